package build

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/registry"
)

// Images that name another registry than ECR ("ghcr.io/acme/web") are
// pushed with the credentials the user gave Docker: ecsctl reads (never
// writes) the Docker CLI's config.json and asks its credential helpers.

// dockerConfigFile is the part of ~/.docker/config.json ecsctl reads.
type dockerConfigFile struct {
	Auths map[string]struct {
		Auth          string `json:"auth"`
		Username      string `json:"username"`
		Password      string `json:"password"`
		IdentityToken string `json:"identitytoken"`
	} `json:"auths"`
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// registryHost returns the registry an image name lives in, as Docker's
// config keys it.
func registryHost(name string) string {
	first, _, ok := strings.Cut(name, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "https://index.docker.io/v1/"
}

// dockerConfigDir is $DOCKER_CONFIG, else ~/.docker.
func dockerConfigDir(getenv func(string) string) string {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker")
}

// dockerAuth returns the X-Registry-Auth value for pushing name, or "" when
// Docker has no credentials for its registry (the push is then anonymous).
func dockerAuth(ctx context.Context, configDir, name string) (string, error) {
	host := registryHost(name)
	if configDir == "" {
		return "", nil
	}
	path := filepath.Join(configDir, "config.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read Docker credentials: %w", err)
	}
	var cfg dockerConfigFile
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("read Docker credentials: %s: %w", path, err)
	}
	if helper := cfg.CredHelpers[host]; helper != "" {
		return credentialHelper(ctx, helper, host)
	}
	for _, key := range []string{host, "https://" + host, "http://" + host} {
		a, ok := cfg.Auths[key]
		if !ok {
			continue
		}
		ac := registry.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, ServerAddress: host}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return "", fmt.Errorf("read Docker credentials: %s: the auth for %s is not base64", path, host)
			}
			ac.Username, ac.Password, _ = strings.Cut(string(raw), ":")
		}
		if ac.Username == "" && ac.IdentityToken == "" {
			break // an entry credsStore fills
		}
		return encodeAuth(ac), nil
	}
	if cfg.CredsStore != "" {
		return credentialHelper(ctx, cfg.CredsStore, host)
	}
	return "", nil
}

// credentialHelper runs docker-credential-<helper> get, as the Docker CLI does.
func credentialHelper(ctx context.Context, helper, host string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker-credential-"+helper, "get")
	cmd.Stdin = strings.NewReader(host)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stdout.String()+stderr.String(), "credentials not found") {
			return "", nil
		}
		return "", fmt.Errorf("docker-credential-%s get %s: %v", helper, host, err)
	}
	var out struct{ Username, Secret string }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return "", fmt.Errorf("docker-credential-%s get %s: unreadable answer", helper, host)
	}
	ac := registry.AuthConfig{Username: out.Username, Password: out.Secret, ServerAddress: host}
	if out.Username == "<token>" {
		ac = registry.AuthConfig{IdentityToken: out.Secret, ServerAddress: host}
	}
	return encodeAuth(ac), nil
}

func encodeAuth(ac registry.AuthConfig) string {
	b, _ := json.Marshal(ac)
	return base64.URLEncoding.EncodeToString(b)
}
