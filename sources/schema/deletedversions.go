package schema

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// VersionsWithDeleted returns every subject version that has the schema
// id, the soft-deleted ones included (GET /schemas/ids/{id}/versions
// ?deleted=true); Versions leaves those out.
func (r *Registry) VersionsWithDeleted(ctx context.Context, id int) ([]SubjectVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	vs, err := r.cl.SchemaVersionsByID(sr.WithParams(ctx, sr.ShowDeleted), id)
	if err != nil {
		return nil, r.classify(fmt.Sprintf("versions of schema id %d, deleted ones included", id), err)
	}
	out := make([]SubjectVersion, len(vs))
	for i, v := range vs {
		out[i] = SubjectVersion{Subject: v.Subject, Version: v.Version}
	}
	return out, nil
}
