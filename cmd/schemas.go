package cmd

import (
	"fmt"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// decoder is the schema decoder of a connection, made on first use: the
// --schema-registry flag's registry for the connections given on the
// command line (nil when there is none: values are shown as their bytes).
func (e *env) decoder(conn sources.Conn) (*schema.Decoder, error) {
	if d, ok := e.decoders[conn.Name()]; ok {
		return d, nil
	}
	var cfg schema.Config
	if e.flags.schemaRegistry != "" && conn.Kind() == "kafka" {
		cfg.Registry = &schema.RegistryConfig{URL: e.flags.schemaRegistry}
	}
	var d *schema.Decoder
	if cfg.Registry != nil {
		var err error
		if d, err = schema.NewDecoder(cfg); err != nil {
			return nil, fmt.Errorf("connection %s: schemas: %w", conn.Name(), err)
		}
	}
	if e.decoders == nil {
		e.decoders = map[string]*schema.Decoder{}
	}
	e.decoders[conn.Name()] = d
	return d, nil
}
