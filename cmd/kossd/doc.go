// Command kossd is the koss storage node: an object store that speaks the
// Alibaba Cloud OSS REST API.
//
//	kossd server [flags]   run one node (see DESIGN.md "kossd contract")
//	kossd dev [flags]      run a Region on this machine for trying things out
//	kossd version          print the version
//
// Every server flag can also be set through the environment variable named
// after it (--peer-listen is KOSS_PEER_LISTEN); a flag given on the command
// line wins. The root credentials come from the environment only
// (KOSS_ROOT_ACCESS_KEY_ID, KOSS_ROOT_ACCESS_KEY_SECRET), so they never
// appear in a process listing.
package main
