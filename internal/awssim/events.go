package awssim

// eventsState holds EventBridge rules and their targets.
type eventsState struct{}

func (s *Server) registerEvents() {}
