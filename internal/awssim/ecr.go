package awssim

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ecrState holds what ECR keeps outside the registry: the registry
// passwords GetAuthorizationToken issued. Repositories and images live in
// s.registry, which ECR's handlers reach with s.mu held.
type ecrState struct {
	tokens map[string]time.Time // password -> expiry
}

// tokenLifetime is how long ECR authorization tokens last.
const tokenLifetime = 12 * time.Hour

func (s *Server) registerECR() {
	s.ecr = &ecrState{tokens: map[string]time.Time{}}
	s.mu.Lock()
	s.registerRegistry()
	s.mu.Unlock()
	for op, h := range map[string]jsonOp{
		"GetAuthorizationToken":       s.ecrGetAuthorizationToken,
		"CreateRepository":            s.ecrCreateRepository,
		"DescribeRepositories":        s.ecrDescribeRepositories,
		"DeleteRepository":            s.ecrDeleteRepository,
		"TagResource":                 s.ecrTagResource,
		"UntagResource":               s.ecrUntagResource,
		"ListTagsForResource":         s.ecrListTagsForResource,
		"DescribeImages":              s.ecrDescribeImages,
		"ListImages":                  s.ecrListImages,
		"BatchGetImage":               s.ecrBatchGetImage,
		"PutImage":                    s.ecrPutImage,
		"BatchDeleteImage":            s.ecrBatchDeleteImage,
		"BatchCheckLayerAvailability": s.ecrBatchCheckLayerAvailability,
	} {
		s.handleJSON("ecr", op, h)
	}
}

// ecrTag is a resource tag as ECR spells it (capitalised members).
type ecrTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type ecrEncryption struct {
	EncryptionType string `json:"encryptionType"`
	KmsKey         string `json:"kmsKey,omitempty"`
}

type ecrRepositoryOut struct {
	RepositoryArn              string        `json:"repositoryArn"`
	RegistryID                 string        `json:"registryId"`
	RepositoryName             string        `json:"repositoryName"`
	RepositoryURI              string        `json:"repositoryUri"`
	CreatedAt                  Epoch         `json:"createdAt"`
	ImageTagMutability         string        `json:"imageTagMutability"`
	ImageScanningConfiguration ecrScanConfig `json:"imageScanningConfiguration"`
	EncryptionConfiguration    ecrEncryption `json:"encryptionConfiguration"`
}

type ecrScanConfig struct {
	ScanOnPush bool `json:"scanOnPush"`
}

func (s *Server) ecrRepositoryOut(repo *repository) ecrRepositoryOut {
	mutability := "MUTABLE"
	if repo.immutable {
		mutability = "IMMUTABLE"
	}
	return ecrRepositoryOut{
		RepositoryArn:              repo.arn,
		RegistryID:                 s.accountID,
		RepositoryName:             repo.name,
		RepositoryURI:              s.Host() + "/" + repo.name,
		CreatedAt:                  Epoch(repo.createdAt),
		ImageTagMutability:         mutability,
		ImageScanningConfiguration: ecrScanConfig{ScanOnPush: repo.scanOnPush},
		EncryptionConfiguration:    repo.encryption,
	}
}

// ---- errors as ECR words them ----------------------------------------------------

func ecrInvalid(format string, args ...any) *APIError {
	return badRequest("InvalidParameterException", format, args...)
}

func ecrRepoNotFound(name, registryID string) *APIError {
	return badRequest("RepositoryNotFoundException",
		"The repository with name '%s' does not exist in the registry with id '%s'", name, registryID)
}

// ecrRepo returns a repository by name. A registryId other than the
// simulator's account names a registry that holds nothing. Call with s.mu
// and reg.mu held.
func (s *Server) ecrRepo(registryID, name string) (*repository, error) {
	if registryID == "" {
		registryID = s.accountID
	}
	repo := s.registry.repos[name]
	if repo == nil || registryID != s.accountID {
		return nil, ecrRepoNotFound(name, registryID)
	}
	return repo, nil
}

// ---- authorization tokens -----------------------------------------------------------

// issueTokenLocked returns a new registry password valid for 12 hours of
// simulated time, forgetting expired ones. Call with s.mu held.
func (s *Server) issueTokenLocked() (password string, expiresAt time.Time) {
	now := s.clock.Now()
	for pw, exp := range s.ecr.tokens {
		if now.After(exp) {
			delete(s.ecr.tokens, pw)
		}
	}
	password = "sim" + s.hexID(61)
	expiresAt = now.Add(tokenLifetime)
	s.ecr.tokens[password] = expiresAt
	return password, expiresAt
}

// RegistryAuth issues registry credentials as GetAuthorizationToken does,
// without a request: the user is "AWS" and the password lasts 12 hours of
// simulated time.
func (s *Server) RegistryAuth() (user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	password, _ = s.issueTokenLocked()
	return "AWS", password
}

func (s *Server) ecrGetAuthorizationToken(c *jsonCall) (any, error) {
	password, expires := s.issueTokenLocked()
	type authData struct {
		AuthorizationToken string `json:"authorizationToken"`
		ExpiresAt          Epoch  `json:"expiresAt"`
		ProxyEndpoint      string `json:"proxyEndpoint"`
	}
	token := base64.StdEncoding.EncodeToString([]byte("AWS:" + password))
	return map[string]any{"authorizationData": []authData{{
		AuthorizationToken: token,
		ExpiresAt:          Epoch(expires),
		ProxyEndpoint:      "http://" + s.Host(),
	}}}, nil
}

// checkRegistryAuth checks a registry request's HTTP basic credentials
// against the issued tokens. It takes s.mu; call it without reg.mu.
func (s *Server) checkRegistryAuth(r *http.Request) error {
	user, password, ok := r.BasicAuth()
	if !ok {
		return apiErr(http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	}
	s.mu.Lock()
	expires, known := s.ecr.tokens[password]
	s.mu.Unlock()
	switch {
	case user != "AWS" || !known:
		return apiErr(http.StatusUnauthorized, "UNAUTHORIZED", "Not Authorized")
	case s.clock.Now().After(expires):
		return apiErr(http.StatusForbidden, "DENIED", "Your authorization token has expired. Reauthenticate and try again.")
	}
	return nil
}

// ---- repositories ------------------------------------------------------------------

// ecrRepoNameRE is the pattern ECR holds repository names to.
var ecrRepoNameRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

type ecrRepoSettings struct {
	ImageTagMutability         string         `json:"imageTagMutability"`
	ImageScanningConfiguration *ecrScanConfig `json:"imageScanningConfiguration"`
	EncryptionConfiguration    *ecrEncryption `json:"encryptionConfiguration"`
	Tags                       []ecrTag       `json:"tags"`
}

// newRepositoryLocked validates settings and adds a repository. Call with
// s.mu and reg.mu held.
func (s *Server) newRepositoryLocked(name string, in ecrRepoSettings) (*repository, error) {
	if len(name) < 2 || len(name) > 256 || !ecrRepoNameRE.MatchString(name) {
		return nil, ecrInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '%s''",
			strings.Trim(ecrRepoNameRE.String(), "^$"))
	}
	if s.registry.repos[name] != nil {
		return nil, badRequest("RepositoryAlreadyExistsException",
			"The repository with name '%s' already exists in the registry with id '%s'", name, s.accountID)
	}
	repo := &repository{
		name:       name,
		arn:        s.arn("ecr", "repository/"+name),
		createdAt:  s.clock.Now(),
		encryption: ecrEncryption{EncryptionType: "AES256"},
		blobs:      map[string]bool{},
		manifests:  map[string]*storedManifest{},
		imageTags:  map[string]string{},
	}
	switch in.ImageTagMutability {
	case "", "MUTABLE":
	case "IMMUTABLE":
		repo.immutable = true
	default:
		return nil, ecrInvalid("Invalid parameter at 'imageTagMutability': the simulator supports MUTABLE and IMMUTABLE, not %q", in.ImageTagMutability)
	}
	if in.ImageScanningConfiguration != nil {
		repo.scanOnPush = in.ImageScanningConfiguration.ScanOnPush
	}
	if e := in.EncryptionConfiguration; e != nil {
		switch e.EncryptionType {
		case "AES256":
			if e.KmsKey != "" {
				return nil, ecrInvalid("Invalid parameter: KMS key should not be provided when encryption type is AES256")
			}
		case "KMS", "KMS_DSSE":
			if e.KmsKey == "" {
				e.KmsKey = s.arn("kms", "alias/aws/ecr")
			}
		default:
			return nil, ecrInvalid("Invalid parameter at 'encryptionType': %q is not AES256, KMS or KMS_DSSE", e.EncryptionType)
		}
		repo.encryption = *e
	}
	if err := ecrMergeTags(repo, in.Tags); err != nil {
		return nil, err
	}
	s.registry.repos[name] = repo
	return repo, nil
}

func (s *Server) ecrCreateRepository(c *jsonCall) (any, error) {
	var in struct {
		RegistryID     string `json:"registryId"`
		RepositoryName string `json:"repositoryName"`
		ecrRepoSettings
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.RegistryID != "" && in.RegistryID != s.accountID {
		return nil, ecrInvalid("Invalid parameter at 'registryId': repositories can only be created in registry '%s'", s.accountID)
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.newRepositoryLocked(in.RepositoryName, in.ecrRepoSettings)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": s.ecrRepositoryOut(repo)}, nil
}

func (s *Server) ecrDescribeRepositories(c *jsonCall) (any, error) {
	var in struct {
		RegistryID      string   `json:"registryId"`
		RepositoryNames []string `json:"repositoryNames"`
		MaxResults      int      `json:"maxResults"`
		NextToken       string   `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	out := []ecrRepositoryOut{}
	if len(in.RepositoryNames) > 0 {
		for _, name := range in.RepositoryNames {
			repo, err := s.ecrRepo(in.RegistryID, name)
			if err != nil {
				return nil, err
			}
			out = append(out, s.ecrRepositoryOut(repo))
		}
		return map[string]any{"repositories": out}, nil
	}
	var repos []*repository
	if in.RegistryID == "" || in.RegistryID == s.accountID {
		for _, r := range s.registry.repos {
			repos = append(repos, r)
		}
	}
	slices.SortFunc(repos, func(a, b *repository) int { return strings.Compare(a.name, b.name) })
	page, next, ok := pageByKey(repos, func(r *repository) string { return r.name }, in.NextToken, ecrPageSize(in.MaxResults))
	if !ok {
		return nil, ecrInvalidToken()
	}
	for _, r := range page {
		out = append(out, s.ecrRepositoryOut(r))
	}
	return withNextToken(map[string]any{"repositories": out}, next), nil
}

func (s *Server) ecrDeleteRepository(c *jsonCall) (any, error) {
	var in struct {
		RegistryID     string `json:"registryId"`
		RepositoryName string `json:"repositoryName"`
		Force          bool   `json:"force"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if len(repo.manifests) > 0 && !in.Force {
		return nil, badRequest("RepositoryNotEmptyException",
			"The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", repo.name, s.accountID)
	}
	delete(s.registry.repos, repo.name)
	return map[string]any{"repository": s.ecrRepositoryOut(repo)}, nil
}

// ---- resource tags -------------------------------------------------------------------

// ecrRepoByARN finds the repository an ARN names. Call with s.mu and reg.mu held.
func (s *Server) ecrRepoByARN(arn string) (*repository, error) {
	prefix := s.arn("ecr", "repository/")
	if !strings.HasPrefix(arn, "arn:aws:ecr:") || !strings.Contains(arn, ":repository/") {
		return nil, ecrInvalid("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'")
	}
	name := arn[strings.Index(arn, ":repository/")+len(":repository/"):]
	if !strings.HasPrefix(arn, prefix) || s.registry.repos[name] == nil {
		return nil, ecrRepoNotFound(name, s.accountID)
	}
	return s.registry.repos[name], nil
}

// ecrMergeTags adds or replaces resource tags, within ECR's limit of 50.
func ecrMergeTags(repo *repository, tags []ecrTag) error {
	for _, t := range tags {
		if t.Key == "" {
			return ecrInvalid("Invalid parameter at 'tags': tag keys must not be empty")
		}
		i := slices.IndexFunc(repo.tags, func(x ecrTag) bool { return x.Key == t.Key })
		if i >= 0 {
			repo.tags[i] = t
		} else {
			repo.tags = append(repo.tags, t)
		}
	}
	if len(repo.tags) > 50 {
		return badRequest("TooManyTagsException", "Tag limit exceeded: a repository can have at most 50 tags")
	}
	return nil
}

type ecrTagsIn struct {
	ResourceArn string   `json:"resourceArn"`
	Tags        []ecrTag `json:"tags"`
	TagKeys     []string `json:"tagKeys"`
}

func (s *Server) ecrTagResource(c *jsonCall) (any, error) {
	var in ecrTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepoByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	saved := slices.Clone(repo.tags)
	if err := ecrMergeTags(repo, in.Tags); err != nil {
		repo.tags = saved
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) ecrUntagResource(c *jsonCall) (any, error) {
	var in ecrTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepoByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	repo.tags = slices.DeleteFunc(repo.tags, func(t ecrTag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return struct{}{}, nil
}

func (s *Server) ecrListTagsForResource(c *jsonCall) (any, error) {
	var in ecrTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepoByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": append([]ecrTag{}, repo.tags...)}, nil
}
