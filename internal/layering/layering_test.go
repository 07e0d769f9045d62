package layering

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/varamu/varamu/"

// layerRow matches a row of ARCHITECTURE.md's layer table:
// | 3 | `access`, `audit` | what they do |
var layerRow = regexp.MustCompile("^\\|\\s*([0-9]+)\\s*\\|([^|]*)\\|")

// readLayers returns package path → layer from ARCHITECTURE.md.
func readLayers(t *testing.T, path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	layers := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := layerRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		layer, _ := strconv.Atoi(m[1])
		for _, p := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[2], -1) {
			if prev, ok := layers[p[1]]; ok {
				t.Errorf("%s:%d: %s listed in layers %d and %d", path, n, p[1], prev, layer)
			}
			layers[p[1]] = layer
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(layers) == 0 {
		t.Fatalf("%s: no layer table found", path)
	}
	return layers
}

// pkg is one package of the module: its imports of module packages and
// whether a non-test file prints.
type pkg struct {
	imports map[string]bool
	prints  []string
}

var printCall = regexp.MustCompile(`\b(fmt\.Print|os\.Stdout|os\.Stderr|log\.Print|log\.Fatal)`)

// readPackages parses every non-test Go file below root.
func readPackages(t *testing.T, root string) map[string]*pkg {
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		p := pkgs[rel]
		if p == nil {
			p = &pkg{imports: map[string]bool{}}
			pkgs[rel] = p
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(ip, module) {
				p.imports[strings.TrimPrefix(ip, module)] = true
			}
		}
		if loc := printCall.FindIndex(src); loc != nil {
			line := 1 + strings.Count(string(src[:loc[0]]), "\n")
			p.prints = append(p.prints, fmt.Sprintf("%s:%d", path, line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// isCommand reports whether a package is a program (it may print).
func isCommand(p string) bool {
	return strings.HasPrefix(p, "cmd/") || strings.Contains(p, "/cmd/") || strings.HasSuffix(p, "/gen") || p == "bench" || strings.HasPrefix(p, "bench/")
}

func TestLayers(t *testing.T) {
	root := filepath.Join("..", "..")
	layers := readLayers(t, filepath.Join(root, "ARCHITECTURE.md"))
	pkgs := readPackages(t, root)
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		l, ok := layers[name]
		if !ok {
			t.Errorf("package %s is not in ARCHITECTURE.md's layer table", name)
			continue
		}
		for imp := range pkgs[name].imports {
			if li, ok := layers[imp]; ok && li > l {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down, never up", name, l, imp, li)
			}
		}
		if !isCommand(name) && len(pkgs[name].prints) > 0 {
			t.Errorf("library %s prints (libraries never print): %v", name, pkgs[name].prints)
		}
	}
	for name := range layers {
		if pkgs[name] == nil {
			t.Errorf("ARCHITECTURE.md lists %s, which has no Go files", name)
		}
	}
}
