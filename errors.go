package pcapai

import (
	"errors"
	"fmt"

	"github.com/pcapai/pcapai/internal/capfile"
)

// ErrUnknownFormat is returned (wrapped with the file name) when the input
// is neither pcap nor pcapng, compressed or not.
var ErrUnknownFormat = capfile.ErrUnknownFormat

// ReadError reports a capture that could not be read past one record.
type ReadError struct {
	File   string // empty for NewReader
	Frame  uint64 // 1-based record number
	Offset int64  // byte offset of that record in the (uncompressed) file
	Err    error
}

func (e *ReadError) Error() string {
	f := e.File
	if f == "" {
		f = "capture"
	}
	return fmt.Sprintf("pcapai: %s: record %d at byte offset %d: %v", f, e.Frame, e.Offset, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

func readError(file string, err error) error {
	var re *capfile.RecordError
	if errors.As(err, &re) {
		return &ReadError{File: file, Frame: re.Frame, Offset: re.Offset, Err: re.Err}
	}
	if file == "" {
		return fmt.Errorf("pcapai: %w", err)
	}
	return fmt.Errorf("pcapai: %s: %w", file, err)
}
