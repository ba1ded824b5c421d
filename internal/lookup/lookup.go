// Package lookup resolves the template functions of ecsctl.yml whose values
// live outside the file:
//
//	{{ tfstate "network" "outputs.private_subnet_ids" }}
//	{{ tfstate "network" "aws_subnet.private[0].id" }}
//	{{ ssm "/example/batch/role_arn" }}
//
// tfstate reads Terraform state (format version 4) from S3, as a backend
// "s3" block names it, or from a local file; the states are declared under
// tfstate: in the config. ssm reads SSM parameters, SecureString decrypted.
// Each state and each parameter is fetched once per Resolver however often
// the config refers to it.
//
// A Resolver implements config.Lookups. Values that are secret (SecureString
// parameters, sensitive outputs) are remembered so that Redact can take them
// out of anything printed.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/ecsctl/ecsctl/internal/awsclient"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// S3API is the part of *s3.Client lookups call.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// SSMAPI is the part of *ssm.Client lookups call.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

var (
	_ S3API             = (*s3.Client)(nil)
	_ SSMAPI            = (*ssm.Client)(nil)
	_ config.Lookups    = (*Resolver)(nil)
	_ config.Prefetcher = (*Resolver)(nil)
	_ smithy.APIError   = (*smithy.GenericAPIError)(nil)
)

// Options configure a Resolver.
type Options struct {
	// Context bounds every fetch; default context.Background().
	Context context.Context
	// AWS returns the SDK configuration S3 and SSM are read with, given the
	// config as first decoded (its region). It is called once, on the first
	// lookup that needs AWS; a config with only local states never calls it.
	AWS func(ctx context.Context, pre *config.Config) (aws.Config, error)
	// Log, when set, gets one line per fetch: what was read and its size,
	// never a value.
	Log io.Writer
}

// Resolver resolves tfstate and ssm lookups for one run. It is safe for
// concurrent use.
type Resolver struct {
	opts Options

	mu      sync.Mutex
	pre     *config.Config
	states  map[string]*stateEntry // by source identity (bucket/key/region or file)
	params  map[string]*paramEntry // by name as written
	failure error                  // the first error reaching AWS, as opposed to a missing key

	// secretsMu guards secrets alone: output is redacted with them while a
	// fetch holding mu logs, so Redact must never wait for mu.
	secretsMu sync.RWMutex
	secrets   map[string]bool

	logMu sync.Mutex // states are fetched, and logged, concurrently

	awsDone bool
	awsCfg  aws.Config
	awsErr  error
	s3      map[string]S3API // by region ("" = the configuration's)
	ssm     SSMAPI

	fetchedStates, fetchedParams int
}

type stateEntry struct {
	done  chan struct{} // closed once state or err is set
	state *State
	err   error
}

type paramEntry struct {
	value  string
	list   bool // StringList: rendered as a list
	secret bool
	err    error
}

// New returns a Resolver.
func New(o Options) *Resolver {
	if o.Context == nil {
		o.Context = context.Background()
	}
	return &Resolver{
		opts:    o,
		states:  map[string]*stateEntry{},
		params:  map[string]*paramEntry{},
		secrets: map[string]bool{},
		s3:      map[string]S3API{},
	}
}

// Funcs implements config.Lookups: it returns the tfstate and ssm template
// functions for the config pre declares.
func (r *Resolver) Funcs(pre *config.Config) (template.FuncMap, error) {
	r.mu.Lock()
	r.pre = pre
	r.mu.Unlock()
	return template.FuncMap{
		"tfstate": r.tfstateFunc,
		"ssm":     r.ssmFunc,
	}, nil
}

// tfstateFunc is {{ tfstate "state" "address" }}.
func (r *Resolver) tfstateFunc(args ...string) (string, error) {
	if len(args) != 2 {
		return "", fmt.Errorf("tfstate takes a state name and an address, e.g. {{ tfstate \"network\" \"outputs.vpc_id\" }}; got %d arguments", len(args))
	}
	v, err := r.Lookup(args[0], args[1])
	if err != nil {
		return "", err
	}
	s, err := Render(v.V)
	if err != nil {
		return "", fmt.Errorf("%s of state %s: %v", args[1], args[0], err)
	}
	if v.Sensitive {
		r.addSecret(s)
	}
	return s, nil
}

// ssmFunc is {{ ssm "/name" }}.
func (r *Resolver) ssmFunc(args ...string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("ssm takes one parameter name, e.g. {{ ssm \"/myapp/role_arn\" }}; got %d arguments", len(args))
	}
	p, err := r.parameter(args[0])
	if err != nil {
		return "", err
	}
	if p.list {
		items := strings.Split(p.value, ",")
		list := make([]any, len(items))
		for i, it := range items {
			list[i] = it
		}
		return Render(list)
	}
	return p.value, nil
}

// Lookup returns the value at address in the state the config declares as name.
func (r *Resolver) Lookup(name, address string) (Value, error) {
	st, err := r.State(name)
	if err != nil {
		return Value{}, err
	}
	v, err := st.Get(address)
	if err != nil {
		return Value{}, fmt.Errorf("state %s (%s): %w", name, st.Source, err)
	}
	return v, nil
}

// State returns the state the config declares as name, fetched on first use.
// States are fetched concurrently; a second caller of the same state waits
// for the first.
func (r *Resolver) State(name string) (*State, error) {
	r.mu.Lock()
	if r.pre == nil {
		r.mu.Unlock()
		return nil, errors.New("lookup: State called before Funcs")
	}
	var decl *config.TFState
	var names []string
	for _, st := range r.pre.TFState {
		names = append(names, st.Name)
		if st.Name == name {
			decl = st
		}
	}
	if decl == nil {
		r.mu.Unlock()
		if len(names) == 0 {
			return nil, fmt.Errorf("no state %q is declared: add it under tfstate: (e.g. tfstate: {%s: {bucket: my-tf-state, key: %s/terraform.tfstate, region: ap-northeast-1}})", name, name, name)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no state %q is declared under tfstate:%s", name, nearby(name, names, "declared"))
	}
	id, source := r.identity(decl)
	if e, ok := r.states[id]; ok {
		r.mu.Unlock()
		<-e.done
		return e.state, e.err
	}
	e := &stateEntry{done: make(chan struct{})}
	r.states[id] = e
	r.mu.Unlock()
	defer close(e.done)

	var data []byte
	var err error
	if decl.Path != "" {
		data, err = r.readFile(decl)
	} else {
		data, err = r.readS3(decl)
	}
	if err == nil {
		r.mu.Lock()
		r.fetchedStates++
		r.mu.Unlock()
		e.state, err = ParseState(source, data)
		if err == nil {
			r.logf("tfstate %s: read %s (%d bytes, serial %d, Terraform %s)", name, source, len(data), e.state.Serial, e.state.TerraformVersion)
		}
	}
	if err != nil {
		e.err = fmt.Errorf("state %s: %w", name, err)
	}
	return e.state, e.err
}

// Prefetch implements config.Prefetcher: it reads the states concurrently,
// and the parameters ten to a GetParameters call, so the rendering that
// follows finds them fetched. What it cannot fetch is left for that
// rendering, which reports it with the usual messages.
func (r *Resolver) Prefetch(states, parameters []string) {
	var wg sync.WaitGroup
	for _, name := range states {
		wg.Go(func() { _, _ = r.State(name) })
	}
	if len(parameters) > 0 {
		wg.Go(func() { r.prefetchParams(parameters) })
	}
	wg.Wait()
}

// prefetchParams reads plain parameter names (not ARNs, not name:version
// selectors) with GetParameters.
func (r *Resolver) prefetchParams(names []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var todo []string
	for _, n := range names {
		if _, ok := r.params[n]; !ok && strings.TrimSpace(n) != "" && !strings.ContainsAny(n, ": ") {
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return
	}
	client, err := r.ssmClient()
	if err != nil {
		return
	}
	for start := 0; start < len(todo); start += 10 {
		out, err := client.GetParameters(r.opts.Context, &ssm.GetParametersInput{Names: todo[start:min(start+10, len(todo))], WithDecryption: aws.Bool(true)})
		if err != nil {
			return
		}
		for i := range out.Parameters {
			prm := &out.Parameters[i]
			if name := aws.ToString(prm.Name); slices.Contains(todo, name) {
				p := &paramEntry{}
				r.params[name] = p
				r.store(p, name, prm)
			}
		}
	}
}

// identity is a key that is equal for two declarations of the same state,
// and how messages name it.
func (r *Resolver) identity(st *config.TFState) (id, source string) {
	if st.Path != "" {
		p := r.pre.ResolvePath(st.Path)
		return "file:" + p, st.Path
	}
	return "s3:" + st.Region + ":" + st.Bucket + "/" + st.Key, "s3://" + st.Bucket + "/" + st.Key
}

func (r *Resolver) readFile(st *config.TFState) ([]byte, error) {
	p := r.pre.ResolvePath(st.Path)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the state file %s does not exist (path is relative to the config file: %s)", st.Path, p)
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	return data, nil
}

// readS3 reads a state object. Call without r.mu.
func (r *Resolver) readS3(st *config.TFState) ([]byte, error) {
	r.mu.Lock()
	client, err := r.s3Client(st.Region)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	ctx := r.opts.Context
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(st.Key), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		where := ""
		if st.Region != "" {
			where = " (region " + st.Region + ")"
		}
		switch apiCode(err) {
		case "NoSuchBucket":
			return nil, fmt.Errorf("bucket %q does not exist%s; check bucket: against the backend \"s3\" block of that Terraform component", st.Bucket, where)
		case "NoSuchKey", "NotFound":
			return nil, fmt.Errorf("no object %q in bucket %q%s%s", st.Key, st.Bucket, where, r.nearbyKeys(client, st))
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			r.mu.Lock()
			defer r.mu.Unlock()
			return nil, r.fail(fmt.Errorf("bucket %q is in another region than %q: set region: as in the backend \"s3\" block (%w)", st.Bucket, r.regionOf(st.Region), err))
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return nil, r.fail(fmt.Errorf("get s3://%s/%s: %w", st.Bucket, st.Key, err))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		return nil, r.fail(fmt.Errorf("read s3://%s/%s: %w", st.Bucket, st.Key, err))
	}
	return data, nil
}

// nearbyKeys lists the objects next to a missing state key, best effort
// (it needs s3:ListBucket; without it the message just has no list).
func (r *Resolver) nearbyKeys(client S3API, st *config.TFState) string {
	prefix := ""
	if i := strings.LastIndex(st.Key, "/"); i >= 0 {
		prefix = st.Key[:i+1]
	}
	out, err := client.ListObjectsV2(r.opts.Context, &s3.ListObjectsV2Input{Bucket: aws.String(st.Bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(200)})
	if err != nil {
		return ""
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if len(keys) == 0 {
		if prefix == "" {
			return "; the bucket is empty"
		}
		return fmt.Sprintf("; nothing is stored under %s", prefix)
	}
	label := "keys in the bucket"
	if prefix != "" {
		label = "keys under " + prefix
	}
	return nearby(st.Key, keys, label)
}

func (r *Resolver) regionOf(region string) string {
	if region != "" {
		return region
	}
	if r.awsDone && r.awsErr == nil {
		return r.awsCfg.Region
	}
	return ""
}

// parameter returns an SSM parameter, fetched on first use.
func (r *Resolver) parameter(name string) (*paramEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.params[name]; ok {
		return p, p.err
	}
	p := &paramEntry{}
	r.params[name] = p
	if strings.TrimSpace(name) == "" {
		p.err = errors.New("the parameter name is empty")
		return p, p.err
	}
	client, err := r.ssmClient()
	if err != nil {
		p.err = err
		return p, err
	}
	out, err := client.GetParameter(r.opts.Context, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		var nf *ssmtypes.ParameterNotFound
		var vnf *ssmtypes.ParameterVersionNotFound
		switch {
		case errors.As(err, &nf):
			p.err = fmt.Errorf("SSM parameter %q does not exist in region %s%s", name, r.awsCfg.Region, r.nearbyParams(client, name))
		case errors.As(err, &vnf):
			p.err = fmt.Errorf("SSM parameter %q: no such version (%s)", name, aws.ToString(vnf.Message))
		default:
			p.err = r.fail(fmt.Errorf("get SSM parameter %s: %w", name, err))
		}
		return p, p.err
	}
	r.store(p, name, out.Parameter)
	return p, nil
}

// store fills p from the parameter SSM answered. Call with r.mu held.
func (r *Resolver) store(p *paramEntry, name string, prm *ssmtypes.Parameter) {
	r.fetchedParams++
	p.value = aws.ToString(prm.Value)
	switch prm.Type {
	case ssmtypes.ParameterTypeSecureString:
		p.secret = true
		r.addSecret(p.value)
	case ssmtypes.ParameterTypeStringList:
		p.list = true
	}
	r.logf("ssm %s: read version %d (%s, %d characters)", name, prm.Version, prm.Type, len(p.value))
}

// nearbyParams lists the parameters next to a missing one, best effort.
func (r *Resolver) nearbyParams(client SSMAPI, name string) string {
	if !strings.HasPrefix(name, "/") {
		return ""
	}
	parent := path.Dir(strings.TrimSuffix(name, "/"))
	in := &ssm.GetParametersByPathInput{Path: aws.String(parent), Recursive: aws.Bool(false), WithDecryption: aws.Bool(false), MaxResults: aws.Int32(10)}
	var names []string
	for range 5 {
		out, err := client.GetParametersByPath(r.opts.Context, in)
		if err != nil {
			return ""
		}
		for _, p := range out.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(names) == 0 {
		return fmt.Sprintf("; there are no parameters under %s", parent)
	}
	sort.Strings(names)
	return nearby(name, names, "parameters under "+parent)
}

// awsConfig loads the AWS configuration once. Call with r.mu held.
func (r *Resolver) awsConfig() (aws.Config, error) {
	if !r.awsDone {
		r.awsDone = true
		if r.opts.AWS == nil {
			r.awsErr = errors.New("lookups that read AWS are not available here")
		} else {
			r.awsCfg, r.awsErr = r.opts.AWS(r.opts.Context, r.pre)
			if r.awsErr != nil && exitcode.Of(r.awsErr) != exitcode.Usage {
				r.awsErr = r.fail(r.awsErr) // no region is bad input; anything else a failure
			}
		}
	}
	return r.awsCfg, r.awsErr
}

func (r *Resolver) s3Client(region string) (S3API, error) {
	if c, ok := r.s3[region]; ok {
		return c, nil
	}
	cfg, err := r.awsConfig()
	if err != nil {
		return nil, err
	}
	c := awsclient.NewS3(cfg, func(o *s3.Options) {
		if region != "" {
			o.Region = region
		}
		// States uploaded without a checksum are normal; do not log about them.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	r.s3[region] = c
	return c, nil
}

func (r *Resolver) ssmClient() (SSMAPI, error) {
	if r.ssm != nil {
		return r.ssm, nil
	}
	cfg, err := r.awsConfig()
	if err != nil {
		return nil, err
	}
	r.ssm = ssm.NewFromConfig(cfg)
	return r.ssm, nil
}

// fail records err as a failure to reach AWS (as opposed to something the
// config names that does not exist) and returns it. Call with r.mu held.
func (r *Resolver) fail(err error) error {
	if r.failure == nil {
		r.failure = err
	}
	return err
}

func (r *Resolver) logf(format string, args ...any) {
	if r.opts.Log != nil {
		r.logMu.Lock()
		defer r.logMu.Unlock()
		fmt.Fprintf(r.opts.Log, format+"\n", args...)
	}
}

func (r *Resolver) addSecret(s string) {
	if s == "" {
		return
	}
	r.secretsMu.Lock()
	r.secrets[s] = true
	r.secretsMu.Unlock()
}

// Failure returns the first error met reaching AWS (network, permissions,
// throttling), or nil when every lookup that failed did so because what it
// names does not exist. A command exits 1 for the former and 2 for the latter.
func (r *Resolver) Failure() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failure
}

// Fetched returns how many states and parameters were read.
func (r *Resolver) Fetched() (states, parameters int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetchedStates, r.fetchedParams
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
