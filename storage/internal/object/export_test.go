package object

// SetTestHookBeforePropose lets external tests simulate a crash between a
// write's data and its command.
func SetTestHookBeforePropose(h func() error) { testHookBeforePropose = h }
