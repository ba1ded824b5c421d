package awssim

// ecrState holds ECR repositories (their images live in the registry).
type ecrState struct{}

func (s *Server) registerECR() {}
