package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// fit marshals r and, while its JSON is over budget bytes, halves the
// largest array in it (then cuts the longest strings), so that no capture
// can produce an answer over budget. It returns the JSON value (objects as
// map[string]any) and a note per cut. A result with a top-level "truncated"
// field gets it set, its "notes" get the cuts, and a paged result (fields
// "offset" and "cursor") gets its cursor moved to the first row not shown.
func fit(r any, budget int, listKey string) (any, []string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, nil, err
	}
	if len(b) <= budget {
		return v, nil, nil
	}
	cut := map[string]int{} // path → length before the first cut
	budget -= 512           // room for the notes
	for range 64 {
		if len(b) <= budget {
			break
		}
		path, arr, set := largestArray(v, "")
		if arr == nil {
			break
		}
		if _, ok := cut[path]; !ok {
			cut[path] = len(arr)
		}
		set(arr[:len(arr)/2])
		if b, err = json.Marshal(v); err != nil {
			return nil, nil, err
		}
	}
	for range 64 {
		if len(b) <= budget {
			break
		}
		if !cutLongestString(v) {
			break
		}
		b, _ = json.Marshal(v)
	}
	var notes []string
	top, _ := v.(map[string]any)
	for path, n := range cut {
		got := len(lookupArray(v, path))
		notes = append(notes, fmt.Sprintf("%s: %d of %d rows", path, got, n))
		if top != nil && listKey != "" && path == "."+listKey {
			if off, err := strconv.Atoi(fmt.Sprint(top["offset"])); err == nil {
				top["cursor"] = strconv.Itoa(off + got)
			}
		}
	}
	if len(b) > budget {
		notes = append(notes, "long strings cut")
	}
	if top != nil {
		if _, ok := top["truncated"]; ok {
			top["truncated"] = true
		}
		if _, ok := top["offset"]; ok || top["truncated"] != nil {
			old, _ := top["notes"].([]any)
			for _, n := range notes {
				old = append(old, n)
			}
			top["notes"] = old
		}
	}
	return v, notes, nil
}

func largestArray(v any, path string) (string, []any, func([]any)) {
	var bestPath string
	var best []any
	var bestSet func([]any)
	bestSize := -1
	var walk func(v any, path string, set func([]any))
	walk = func(v any, path string, set func([]any)) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(c, path+"."+k, func(a []any) { x[k] = a })
			}
		case []any:
			if len(x) > 0 {
				b, _ := json.Marshal(x)
				if len(b) > bestSize {
					bestPath, best, bestSet, bestSize = path, x, set, len(b)
				}
			}
			for i, c := range x {
				if _, ok := c.(string); ok {
					continue
				}
				walk(c, path+"["+strconv.Itoa(i)+"]", func(a []any) { x[i] = a })
			}
		}
	}
	walk(v, path, func([]any) {})
	return bestPath, best, bestSet
}

func lookupArray(v any, path string) []any {
	var found []any
	var walk func(v any, p string)
	walk = func(v any, p string) {
		if p == path {
			found, _ = v.([]any)
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(c, p+"."+k)
			}
		case []any:
			for i, c := range x {
				walk(c, p+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(v, "")
	return found
}

// cutLongestString halves the longest string over 256 bytes.
func cutLongestString(v any) bool {
	var set func(string)
	best := 256
	var cur string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && len(s) > best {
					best, cur, set = len(s), s, func(n string) { x[k] = n }
				}
				walk(c)
			}
		case []any:
			for i, c := range x {
				if s, ok := c.(string); ok && len(s) > best {
					best, cur, set = len(s), s, func(n string) { x[i] = n }
				}
				walk(c)
			}
		}
	}
	walk(v)
	if set == nil {
		return false
	}
	set(cur[:len(cur)/2] + "…[cut]")
	return true
}
