package zeeklog

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteLogs writes every Zeek log of in into dir (created if needed) as
// PATH.log in format f, and returns the files written with their row
// counts, in log order. Every log is written, empty ones with their headers
// only (TSV) or as an empty file (JSON), so a reader finds each path.
func WriteLogs(in *Input, dir string, f Format) ([]File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []File
	for _, t := range tables(in) {
		name := filepath.Join(dir, t.path+".log")
		fh, err := os.Create(name)
		if err != nil {
			return out, err
		}
		err = t.write(fh, f, in.First, in.Last)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return out, fmt.Errorf("zeeklog: %s: %w", name, err)
		}
		out = append(out, File{Path: name, Table: t.path, Rows: len(t.rows)})
	}
	return out, nil
}

// File is one file written, with its row count.
type File struct {
	Path  string `json:"path"`
	Table string `json:"table"` // "conn", "dns", … or the Parquet table name
	Rows  int    `json:"rows"`
}
