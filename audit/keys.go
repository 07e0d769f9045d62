package audit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// ErrKeyMode is returned (wrapped) when a private key file or the key
// directory can be read by users other than its owner.
var ErrKeyMode = errors.New("audit: private key readable by others")

// ErrNoKeys is returned (wrapped) when a key directory holds no log key.
var ErrNoKeys = errors.New("audit: no log key")

// KeyDirEnv names the environment variable that, when set, overrides where
// a store's keys are kept (see KeyDirFor).
const KeyDirEnv = "VARAMU_AUDIT_KEYS"

const (
	logKeyFile    = "log.key"    // note signer key (PRIVATE+KEY+...)
	logPubFile    = "log.pub"    // note verifier key, for publishing
	personKeyFile = "person.key" // HMAC-SHA256 secret for person commitments, hex
	witnessesFile = "witnesses"  // "URL VKEY" per line: witnesses to ask for cosignatures
)

// Keys are a log's secrets: the Ed25519 note key that signs checkpoints
// and the HMAC-SHA256 secret that turns a personal code into a commitment.
// Both live outside the store directory.
type Keys struct {
	Dir      string
	Signer   note.Signer
	Verifier note.Verifier
	// VerifierKey is the published form of Verifier ("origin+hash+key").
	VerifierKey string
	person      []byte
	// Witnesses are the witnesses the log asks for cosignatures, from the
	// key directory's witnesses file.
	Witnesses []WitnessConfig
	// macs are reused HMAC-SHA256 states keyed with person (see commit).
	macs sync.Pool
}

// WitnessConfig names a witness: where it listens and its cosignature
// verifier key.
type WitnessConfig struct {
	URL string
	Key string
}

// KeyDirFor returns where the keys of the store in dir are kept: the
// directory named by $VARAMU_AUDIT_KEYS when set, else DIR.keys beside the
// store directory (never inside it, so that copying or publishing the
// store does not copy its keys).
func KeyDirFor(dir string) string {
	if d := os.Getenv(KeyDirEnv); d != "" {
		return d
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	return abs + ".keys"
}

// DefaultOrigin is the log origin (C2SP tlog-checkpoint) used for a store
// whose keys are made on first use.
func DefaultOrigin(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	base := strings.Map(func(r rune) rune {
		if r <= ' ' || r == '+' || r > '~' {
			return '-'
		}
		return r
	}, filepath.Base(abs))
	return "varamu.local/audit/" + base
}

// Keygen makes a new log key for origin and a new person secret in
// keyDir (created with mode 0700; files 0600). It refuses to overwrite an
// existing key. It returns the verifier key to publish.
func Keygen(keyDir, origin string) (string, error) {
	if origin == "" || strings.ContainsAny(origin, "+ \t\n") {
		return "", fmt.Errorf("audit: origin %q: want a name without spaces or '+'", origin)
	}
	unlock, err := lockKeyDir(keyDir)
	if err != nil {
		return "", err
	}
	defer unlock()
	return keygenLocked(keyDir, origin)
}

// lockKeyDir makes keyDir (mode 0700) and takes an exclusive flock(2) on
// it, so that processes opening a new store at once make one key.
func lockKeyDir(keyDir string) (func(), error) {
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := checkMode(keyDir, true); err != nil {
		return nil, err
	}
	return lockDir(keyDir)
}

func keygenLocked(keyDir, origin string) (string, error) {
	if _, err := os.Stat(filepath.Join(keyDir, logKeyFile)); err == nil {
		return "", fmt.Errorf("audit: %s already holds a log key; not overwriting it", keyDir)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	for _, f := range []struct {
		name, text string
		mode       os.FileMode
	}{
		{personKeyFile, hex.EncodeToString(secret) + "\n", 0o600},
		{logPubFile, vkey + "\n", 0o644},
		{logKeyFile, skey + "\n", 0o600},
	} {
		if err := writeFileSync(filepath.Join(keyDir, f.name), []byte(f.text), f.mode); err != nil {
			return "", err
		}
	}
	return vkey, nil
}

// LoadKeys reads the keys in keyDir, checking that the directory and the
// private key files are not readable by group or others.
func LoadKeys(keyDir string) (*Keys, error) {
	if err := checkMode(keyDir, true); err != nil {
		return nil, err
	}
	skey, err := readPrivate(filepath.Join(keyDir, logKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (run varamu audit keygen)", ErrNoKeys, keyDir)
	}
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", logKeyFile, err)
	}
	vkey, err := os.ReadFile(filepath.Join(keyDir, logPubFile))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", logPubFile, err)
	}
	if verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() {
		return nil, fmt.Errorf("audit: %s does not match %s", logPubFile, logKeyFile)
	}
	ph, err := readPrivate(filepath.Join(keyDir, personKeyFile))
	if err != nil {
		return nil, err
	}
	secret, err := hex.DecodeString(ph)
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("audit: %s: want at least 16 bytes in hex", personKeyFile)
	}
	ws, err := readWitnesses(filepath.Join(keyDir, witnessesFile))
	if err != nil {
		return nil, err
	}
	return &Keys{Dir: keyDir, Signer: signer, Verifier: verifier, VerifierKey: strings.TrimSpace(string(vkey)),
		person: secret, Witnesses: ws}, nil
}

// loadOrCreateKeys loads the keys in keyDir, making them (origin from dir)
// when the directory holds none: a store gets its keys on first use.
func loadOrCreateKeys(keyDir, dir string) (*Keys, error) {
	k, err := LoadKeys(keyDir)
	if err == nil || !(errors.Is(err, ErrNoKeys) || errors.Is(err, os.ErrNotExist)) {
		return k, err
	}
	unlock, err := lockKeyDir(keyDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if k, err := LoadKeys(keyDir); err == nil { // made meanwhile by another process
		return k, nil
	}
	if _, err := keygenLocked(keyDir, DefaultOrigin(dir)); err != nil {
		return nil, err
	}
	return LoadKeys(keyDir)
}

// Commit returns the keyed commitment that stands for person in the log:
// hex(HMAC-SHA256(secret, person)). "*" (the whole store) and "" are kept
// as they are.
func (k *Keys) Commit(person string) string {
	if person == "" || person == "*" {
		return person
	}
	return k.commit(person)
}

func (k *Keys) aead() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, k.person)
	m.Write([]byte("varamu audit actor sealing key"))
	b, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return cipher.NewGCM(b)
}

// seal encrypts an actor id: base64(nonce || AES-256-GCM ciphertext).
func (k *Keys) seal(actor string) (string, error) {
	a, err := k.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	return base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(actor), nil)), nil
}

// Resolve opens e's sealed actor and sealed rule and reason, if any, into
// e.Actor, e.Rule and e.Reason.
func (k *Keys) Resolve(e *Entry) error {
	if e.ActorSealed != "" {
		actor, err := k.open(e.ActorSealed, e.Index)
		if err != nil {
			return err
		}
		e.Actor = actor
	}
	if e.TextSealed != "" {
		t, err := k.open(e.TextSealed, e.Index)
		if err != nil {
			return err
		}
		var rr [2]string
		if err := json.Unmarshal([]byte(t), &rr); err != nil {
			return fmt.Errorf("%w: entry %d: sealed text", ErrCorrupt, e.Index)
		}
		e.Rule, e.Reason = rr[0], rr[1]
	}
	return nil
}

func (k *Keys) open(sealed string, index uint64) (string, error) {
	a, err := k.aead()
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < a.NonceSize() {
		return "", fmt.Errorf("%w: entry %d: sealed field", ErrCorrupt, index)
	}
	plain, err := a.Open(nil, b[:a.NonceSize()], b[a.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("%w: entry %d: sealed field does not open with this log's secret", ErrCorrupt, index)
	}
	return string(plain), nil
}

// AddWitness records a witness in the key directory's witnesses file, so
// that the log asks it for cosignatures.
func AddWitness(keyDir string, w WitnessConfig) error {
	if _, err := parseWitnessKey(w.Key); err != nil {
		return err
	}
	ws, err := readWitnesses(filepath.Join(keyDir, witnessesFile))
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, o := range ws {
		if o.Key != w.Key {
			fmt.Fprintf(&b, "%s %s\n", o.URL, o.Key)
		}
	}
	fmt.Fprintf(&b, "%s %s\n", w.URL, w.Key)
	return writeFileSync(filepath.Join(keyDir, witnessesFile), []byte(b.String()), 0o644)
}

func readWitnesses(path string) ([]WitnessConfig, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []WitnessConfig
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: %s:%d: want \"URL VKEY\"", ErrCorrupt, path, i+1)
		}
		out = append(out, WitnessConfig{URL: f[0], Key: f[1]})
	}
	return out, nil
}

func readPrivate(path string) (string, error) {
	if err := checkMode(path, false); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// checkMode refuses a key file or directory that group or others can
// read or write.
func checkMode(path string, dir bool) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("audit: %w", err)
		}
		return fmt.Errorf("audit: %w", err)
	}
	if dir != st.IsDir() {
		return fmt.Errorf("audit: %s: unexpected file type", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, want %04o", ErrKeyMode, path, st.Mode().Perm(), map[bool]os.FileMode{true: 0o700, false: 0o600}[dir])
	}
	return nil
}

// writeFileSync writes a file atomically (temporary file, fsync, rename,
// fsync of the directory).
func writeFileSync(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(mode)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("audit: writing %s: %w", path, werr)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit: fsync %s: %w", dir, err)
	}
	return nil
}
