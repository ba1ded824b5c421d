package awssim

import (
	"cmp"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ssmState holds SSM Parameter Store parameters with their history.
type ssmState struct {
	params map[string]*ssmParam
}

type ssmParam struct {
	name     string
	versions []ssmVersion // versions[i] is version i+1
}

type ssmVersion struct {
	typ        string // String, StringList or SecureString
	value      string
	keyID      string // KMS key of a SecureString
	ciphertext string // what a SecureString read without decryption returns
	modified   time.Time
}

func (s *Server) registerSSM() {
	s.ssm = &ssmState{params: map[string]*ssmParam{}}
	for op, h := range map[string]jsonOp{
		"PutParameter":        s.ssmPutParameter,
		"GetParameter":        s.ssmGetParameter,
		"GetParameters":       s.ssmGetParameters,
		"GetParametersByPath": s.ssmGetParametersByPath,
		"DeleteParameter":     s.ssmDeleteParameter,
	} {
		s.handleJSON("ssm", op, h)
	}
}

// Limits of the Standard tier.
const (
	ssmMaxValue     = 4096
	ssmMaxNameLen   = 1011
	ssmMaxHierarchy = 15
)

func ssmValidation(format string, args ...any) *APIError {
	return badRequest("ValidationException", format, args...)
}

// ssmNotFound is AWS's answer for a missing parameter: a bare code, no message.
func ssmNotFound() *APIError { return badRequest("ParameterNotFound", "") }

var ssmNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)

// checkParamName applies Parameter Store's naming rules.
func checkParamName(name string) error {
	lower := strings.ToLower(strings.TrimPrefix(name, "/"))
	switch {
	case !ssmNameRE.MatchString(name) || len(name) > ssmMaxNameLen || strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm"):
		return ssmValidation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`)
	case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
		return ssmValidation("Parameter name must be a fully qualified name.")
	case strings.Count(name, "/") > ssmMaxHierarchy:
		return badRequest("HierarchyLevelLimitExceededException",
			"A hierarchy can have a maximum of %d levels. Parameter name %s has %d levels.", ssmMaxHierarchy, name, strings.Count(name, "/"))
	}
	return nil
}

// paramARN is the ARN of a parameter: "parameter" joined to the name's path.
func (s *Server) paramARN(name string) string {
	return s.arn("ssm", "parameter/"+strings.TrimPrefix(name, "/"))
}

// ssmPut creates or overwrites a parameter and returns its new version.
// Call with s.mu held.
func (s *Server) ssmPut(name, typ, value, keyID string, overwrite bool) (int, error) {
	if err := checkParamName(name); err != nil {
		return 0, err
	}
	p := s.ssm.params[name]
	switch {
	case p != nil && !overwrite:
		return 0, badRequest("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	case typ == "" && p == nil:
		return 0, ssmValidation("A parameter type is required when you create a parameter.")
	case typ == "":
		typ = p.versions[len(p.versions)-1].typ
	}
	switch {
	case typ != "String" && typ != "StringList" && typ != "SecureString":
		return 0, ssmValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", typ)
	case keyID != "" && typ != "SecureString":
		return 0, ssmValidation("KeyId is required for SecureString type parameter only.")
	case len(value) > ssmMaxValue:
		return 0, ssmValidation("Standard tier parameters support a maximum parameter value of %d characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.", ssmMaxValue)
	}
	v := ssmVersion{typ: typ, value: value, modified: s.now()}
	if typ == "SecureString" {
		if keyID == "" {
			keyID = "alias/aws/ssm"
		}
		v.keyID = keyID
		// An opaque stand-in for KMS ciphertext: random, unrelated to the value.
		blob := make([]byte, 96+len(value)/3*3)
		for i := range blob {
			blob[i] = byte(s.rnd.IntN(256))
		}
		v.ciphertext = "AQICAH" + base64.StdEncoding.EncodeToString(blob)
	}
	if p == nil {
		p = &ssmParam{name: name}
		s.ssm.params[name] = p
	}
	p.versions = append(p.versions, v)
	return len(p.versions), nil
}

// SeedParameter stores a parameter (String, StringList or SecureString) as
// PutParameter with Overwrite would, without a request.
func (s *Server) SeedParameter(name, typ, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.ssmPut(name, typ, value, "", true)
	return err
}

func (s *Server) ssmPutParameter(c *jsonCall) (any, error) {
	var in struct {
		Name      string
		Value     string
		Type      string
		KeyId     string
		Overwrite bool
		Tier      string
		Tags      []struct{ Key, Value string }
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Overwrite && len(in.Tags) > 0 {
		return nil, ssmValidation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if in.Tier != "" && in.Tier != "Standard" {
		return nil, ssmValidation("The simulator models the Standard tier only, not %q.", in.Tier)
	}
	version, err := s.ssmPut(in.Name, in.Type, in.Value, in.KeyId, in.Overwrite)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Version": version, "Tier": "Standard"}, nil
}

type ssmParamOut struct {
	Name             string
	Type             string
	Value            string
	Version          int
	LastModifiedDate Epoch
	ARN              string
	DataType         string
	Selector         string `json:",omitempty"`
}

// ssmLookup resolves a name as GetParameter accepts it: a name or an ARN,
// optionally with a ":version" selector. Call with s.mu held.
func (s *Server) ssmLookup(ref string, decrypt bool) (ssmParamOut, error) {
	name, selector := ref, ""
	if strings.HasPrefix(ref, "arn:") {
		_, name, _ = strings.Cut(ref, ":parameter/")
		if s.ssm.params[name] == nil {
			name = "/" + name
		}
	}
	if i := strings.LastIndex(name, ":"); i >= 0 {
		name, selector = name[:i], name[i:]
	}
	p := s.ssm.params[name]
	if p == nil {
		return ssmParamOut{}, ssmNotFound()
	}
	version := len(p.versions)
	if selector != "" {
		n, err := strconv.Atoi(selector[1:])
		if err != nil {
			// Labels (LabelParameterVersion) are not modelled, so none exists.
			return ssmParamOut{}, ssmNotFound()
		}
		if n < 1 || n > len(p.versions) {
			return ssmParamOut{}, badRequest("ParameterVersionNotFound",
				"Systems Manager could not find version %d of %s. Verify the version and try again.", n, name)
		}
		version = n
	}
	v := p.versions[version-1]
	value := v.value
	if v.typ == "SecureString" && !decrypt {
		value = v.ciphertext
	}
	return ssmParamOut{
		Name:             name,
		Type:             v.typ,
		Value:            value,
		Version:          version,
		LastModifiedDate: Epoch(v.modified),
		ARN:              s.paramARN(name),
		DataType:         "text",
		Selector:         selector,
	}, nil
}

func (s *Server) ssmGetParameter(c *jsonCall) (any, error) {
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := s.ssmLookup(in.Name, in.WithDecryption)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Parameter": p}, nil
}

// ssmGetParameters reads up to 10 parameters; the names it cannot find come
// back as InvalidParameters rather than as an error.
func (s *Server) ssmGetParameters(c *jsonCall) (any, error) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, ssmValidation("1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1", in.Names)
	}
	params, invalid := []ssmParamOut{}, []string{}
	for _, name := range in.Names {
		p, err := s.ssmLookup(name, in.WithDecryption)
		if err != nil {
			invalid = append(invalid, name)
			continue
		}
		params = append(params, p)
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

// ssmGetParametersByPath lists the parameters under a path: its direct
// children, or with Recursive every descendant, by name, 10 at a time.
func (s *Server) ssmGetParametersByPath(c *jsonCall) (any, error) {
	var in struct {
		Path             string
		Recursive        bool
		WithDecryption   bool
		MaxResults       int
		NextToken        string
		ParameterFilters []any
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.Path, "/") {
		return nil, ssmValidation(`The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/".`)
	}
	if len(in.ParameterFilters) > 0 {
		return nil, ssmValidation("The simulator does not model ParameterFilters.")
	}
	if in.MaxResults > 10 {
		return nil, ssmValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", in.MaxResults)
	}
	prefix := strings.TrimSuffix(in.Path, "/") + "/"
	var names []string
	for name := range s.ssm.params {
		rest, under := strings.CutPrefix(name, prefix)
		if under && (in.Recursive || !strings.Contains(rest, "/")) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	page, next, ok := pageByKey(names, func(n string) string { return n }, in.NextToken, cmp.Or(in.MaxResults, 10))
	if !ok {
		return nil, ssmValidation("The specified nextToken is not valid.")
	}
	out := map[string]any{}
	params := []ssmParamOut{}
	for _, name := range page {
		p, _ := s.ssmLookup(name, in.WithDecryption)
		params = append(params, p)
	}
	out["Parameters"] = params
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Server) ssmDeleteParameter(c *jsonCall) (any, error) {
	var in struct{ Name string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if s.ssm.params[in.Name] == nil {
		return nil, ssmNotFound()
	}
	delete(s.ssm.params, in.Name)
	return struct{}{}, nil
}
