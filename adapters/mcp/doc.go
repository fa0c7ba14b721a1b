// Package mcp is the Model Context Protocol server of pcapai: capture
// analysis as tools for AI assistants.
//
// Each tool is one call on the pcapai library (or on the Report of
// pcapai.Analyze, kept in a bounded cache keyed by the file's real path,
// size, modification time and the options), with its arguments checked,
// its answer bounded (limit, cursor, a size budget) and described by an
// honest output schema. Paths are confined to the allowed roots. Failures
// are tool results with isError and a message saying what to do.
//
// The tool table in tools.go lists every tool; a tool whose library call
// does not exist yet is not advertised, and tools backed by a Report field
// switch on when that field appears.
package mcp
