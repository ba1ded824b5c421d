package awssim

func (s *Server) registerSTS() {}
