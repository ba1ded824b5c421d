package main

import "testing"

func TestCodeBuildNote(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, ""},
		{map[string]string{"CODEBUILD_INITIATOR": "codepipeline/x"}, ""}, // not in CodeBuild
		{map[string]string{"CODEBUILD_BUILD_ID": "shop:1f2e", "CODEBUILD_INITIATOR": "codepipeline/shop-release", "CODEBUILD_RESOLVED_SOURCE_VERSION": "4f2a9c1e"},
			"running in CodeBuild build shop:1f2e, started by CodePipeline pipeline shop-release, source revision 4f2a9c1e"},
		{map[string]string{"CODEBUILD_BUILD_ID": "shop:1f2e", "CODEBUILD_INITIATOR": "alice"},
			"running in CodeBuild build shop:1f2e, started by alice"},
		{map[string]string{"CODEBUILD_BUILD_ID": "shop:1f2e"}, "running in CodeBuild build shop:1f2e"},
	} {
		if got := codeBuildNote(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.env, got, tc.want)
		}
	}
}
