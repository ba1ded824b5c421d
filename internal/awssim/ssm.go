package awssim

// ssmState holds SSM parameters.
type ssmState struct{}

func (s *Server) registerSSM() {}
