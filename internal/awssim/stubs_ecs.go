package awssim

// ecsState is the ECS world: clusters, task definitions, services, deployments, tasks.
type ecsState struct{}

func (s *Server) registerECS() {}
