package awssim

// registerSTS serves GetCallerIdentity: every caller is the same IAM user
// of the simulator's account, whatever credentials it signed with.
func (s *Server) registerSTS() {
	s.handleQuery("sts", "GetCallerIdentity", func(*queryCall) (any, error) {
		return struct {
			Arn     string
			UserId  string
			Account string
		}{
			Arn:     "arn:aws:iam::" + s.accountID + ":user/awssim",
			UserId:  "AIDAAWSSIMULATORUSER",
			Account: s.accountID,
		}, nil
	})
}
