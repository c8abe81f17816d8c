package cmd

import (
	"cmp"
	"context"
	"fmt"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui"
)

// decoder is the schema decoder of a connection, made on first use (see
// decoderFor); nil when the connection has no schemas: values are shown
// as their bytes.
func (e *env) decoder(conn sources.Conn) (*schema.Decoder, error) {
	return e.decoderFor(conn.Name(), conn.Kind())
}

// decoderFor is the schema decoder of the connection named name, of kind
// kind, made once: the registry the session gives it (the demo's), else
// --schema-registry for a Kafka connection, else the config's
// schema_registry; and the config's local schemas and protos for the
// connection. Secrets (a registry password, a token) are resolved when it
// is made and hidden from the log from then on.
func (e *env) decoderFor(name, kind string) (*schema.Decoder, error) {
	if d, ok := e.decoders[name]; ok {
		return d, nil
	}
	cfg, err := e.schemaConfig(name, kind)
	if err != nil {
		return nil, fmt.Errorf("connection %s: schemas: %w", name, err)
	}
	var d *schema.Decoder
	if cfg.Registry != nil || len(cfg.Rules) > 0 || len(cfg.Protos) > 0 {
		if d, err = schema.NewDecoder(cfg); err != nil {
			return nil, fmt.Errorf("connection %s: schemas: %w", name, err)
		}
	}
	if e.decoders == nil {
		e.decoders = map[string]*schema.Decoder{}
	}
	e.decoders[name] = d
	return d, nil
}

// schemaConfig is what the decoder of a connection is made from.
func (e *env) schemaConfig(name, kind string) (schema.Config, error) {
	var cfg schema.Config
	var cc *config.Connection
	if !e.adHoc() {
		if c, err := e.loadConfig(); err == nil {
			if conn, ok := c.Connections[name]; ok {
				cc = &conn
			}
		}
	}
	switch url := e.registries[name]; {
	case url != "":
		cfg.Registry = &schema.RegistryConfig{URL: url}
	case e.flags.schemaRegistry != "" && e.driver(kind).Registry:
		cfg.Registry = &schema.RegistryConfig{URL: e.flags.schemaRegistry}
	case cc != nil && cc.SchemaRegistry != nil:
		reg, err := e.registryConfig(cc.SchemaRegistry)
		if err != nil {
			return cfg, err
		}
		cfg.Registry = reg
	}
	if cc == nil {
		return cfg, nil
	}
	for _, r := range cc.Schemas {
		cfg.Rules = append(cfg.Rules, schema.Rule{Pattern: r.Pattern, Key: r.Key, Schema: config.ExpandHome(r.Schema), Message: r.Message})
	}
	for _, p := range cc.Protos {
		cfg.Protos = append(cfg.Protos, config.ExpandHome(p))
	}
	return cfg, nil
}

// registryConfig resolves a configured registry's secrets and TLS.
func (e *env) registryConfig(r *config.SchemaRegistry) (*schema.RegistryConfig, error) {
	tlsCfg, err := r.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("schema_registry: %w", err)
	}
	out := &schema.RegistryConfig{URL: r.URL, Username: r.Username, TLS: tlsCfg}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	if r.Password.Set() {
		if out.Password, err = r.Password.Resolve(ctx); err != nil {
			return nil, fmt.Errorf("schema_registry: %w", err)
		}
		e.secrets.Add(out.Password)
	}
	if r.TokenCmd != "" {
		if out.Token, err = config.RunSecretCommand(ctx, "schema_registry token_cmd", r.TokenCmd); err != nil {
			return nil, fmt.Errorf("schema_registry: %w", err)
		}
		e.secrets.Add(out.Token)
	}
	return out, nil
}

// tuiDecoders are the schema decoders of the TUI's connections, by name
// (connections without schemas are left out). A connection whose schemas
// cannot be loaded is told on stderr and shown without them.
func (e *env) tuiDecoders(specs []ui.ConnSpec) map[string]*schema.Decoder {
	out := map[string]*schema.Decoder{}
	for _, s := range specs {
		name := cmp.Or(e.ownNames[s.Name], s.Name) // the name it takes when it opens
		dec, err := e.decoderFor(name, s.Kind)
		if err != nil {
			fmt.Fprintf(e.stderr, "mqscope: %v (values shown as bytes)\n", err)
			e.logger().Warn("schemas", "connection", s.Name, "err", err)
			continue
		}
		if dec != nil {
			out[name] = dec
		}
	}
	return out
}
