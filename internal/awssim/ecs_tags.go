package awssim

import "strings"

// TagResource, UntagResource and ListTagsForResource for ECS clusters,
// services, task definitions and tasks.

// tagsOf returns a pointer to the tag list of the resource an ARN names.
func (s *Server) tagsOf(arn string) *[]ecsTag {
	switch {
	case strings.Contains(arn, ":cluster/"):
		if cl := s.ecs.clusters[lastSegment(arn)]; cl != nil && cl.arn == arn {
			return &cl.tags
		}
	case strings.Contains(arn, ":service/"):
		parts := strings.Split(lastSegmentAfter(arn, ":service/"), "/")
		if len(parts) == 2 {
			if cl := s.ecs.clusters[parts[0]]; cl != nil && cl.services[parts[1]] != nil {
				return &cl.services[parts[1]].tags
			}
		}
	case strings.Contains(arn, ":task-definition/"):
		if td := s.lookupTaskDef(arn); td != nil && td.arn == arn {
			return &td.tags
		}
	case strings.Contains(arn, ":task/"):
		if t := s.ecs.tasks[arn]; t != nil {
			return &t.tags
		}
	}
	return nil
}

func (s *Server) taggedResource(arn string) (*[]ecsTag, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return nil, badRequest("InvalidParameterException", "The ARN provided is invalid.")
	}
	tags := s.tagsOf(arn)
	if tags == nil {
		return nil, badRequest("InvalidParameterException", "The specified resource could not be found.")
	}
	return tags, nil
}

func (s *Server) ecsTagResource(c *jsonCall) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []ecsTag `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.taggedResource(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, badRequest("InvalidParameterException", "Tag keys beginning with 'aws:' are reserved.")
		}
	}
	*tags = mergeTags(*tags, in.Tags)
	return struct{}{}, nil
}

func (s *Server) ecsUntagResource(c *jsonCall) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.taggedResource(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	*tags = removeTags(*tags, in.TagKeys)
	return struct{}{}, nil
}

func (s *Server) ecsListTagsForResource(c *jsonCall) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.taggedResource(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": tagsOrEmpty(*tags)}, nil
}
