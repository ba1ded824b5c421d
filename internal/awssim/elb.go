package awssim

// elbState holds ELBv2 target groups and the health of their targets.
type elbState struct{}

func (s *Server) registerELB() {}
