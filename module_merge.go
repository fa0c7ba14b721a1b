package pcapai

// The per-flow analyzers merge the state of the same analyzer of another
// shard (see shard.go).

func (m *httpModule) merge(o module)  { m.a.Merge(o.(*httpModule).a) }
func (m *credsModule) merge(o module) { m.d.Merge(o.(*credsModule).d) }

func (m *tlsModule) merge(o module) { m.a.Merge(o.(*tlsModule).a) }
