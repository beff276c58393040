package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/iobench/iobench/internal/cliflag"
)

// resultPatterns match the files a run writes to -out; -force removes them
// first, so that no .bin file of an earlier run is left among the new ones.
var resultPatterns = []string{"*.bin", summaryFile, summaryMDFile, reportFile}

// checkOut rejects an -out path that is not a folder, and an -out folder
// that exists and is not empty, unless force is set. It creates nothing.
func checkOut(dir string, force bool) error {
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check the results folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return cliflag.Usagef("invalid value %q for -out: it is a file, but -out must be a folder: name a new or empty folder", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open the results folder %s: %w", dir, err)
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) || force {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the results folder %s: %w", dir, err)
	}
	return cliflag.Usagef("-out folder %s is not empty: choose another folder, or add -force to overwrite the results in it", dir)
}

// prepareOut creates dir; with force it first removes the result files of
// an earlier run from it.
func prepareOut(dir string, force bool) error {
	if force {
		if err := removeResults(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the results folder %s: %w", dir, err)
	}
	return nil
}

// removeResults removes the files of dir that match resultPatterns.
func removeResults(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the results folder %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || !isResultFile(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove the earlier result %s (-force): %w", path, err)
		}
	}
	return nil
}

func isResultFile(name string) bool {
	for _, pattern := range resultPatterns {
		if ok, _ := filepath.Match(pattern, name); ok { // the patterns are valid
			return true
		}
	}
	return false
}
