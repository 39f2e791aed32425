package blob

// Fault-injection points for crash tests (see "Durability and crash rules" in
// the package doc). They are nil outside tests. When a hook returns an error,
// Create returns it immediately and leaves every file exactly as a crash at
// that point would: no cleanup runs.
var (
	// testHookAfterSync runs after the tmp file is fsynced, before the rename.
	testHookAfterSync func(tmpPath string) error
	// testHookBeforeDirSync runs after the rename, before the directory fsync.
	testHookBeforeDirSync func(path string) error
)
