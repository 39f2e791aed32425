// Package blob stores immutable blobs as checksummed files on a local disk.
//
// A blob is written once, read many times and deleted as a whole; it is never
// modified in place. Every byte read back is verified against a CRC-32C
// (Castagnoli) of the fixed-size block it lives in, so a flipped bit or a
// truncated file is reported as ErrCorrupt instead of being served.
//
// # On-disk layout
//
// A Disk store owns one directory:
//
//	<dir>/LOCK                      flock held by the process using the store
//	<dir>/tmp/<id>                  blobs being written (never read)
//	<dir>/blobs/<aa>/<bb>/<id>      committed blobs; aa and bb are the first
//	                                two pairs of hex digits of the id
//
// Ids are 32 lower-case hex digits (NewID makes 128 random bits). The
// two-level fan-out keeps directories small: 65,536 leaf directories hold
// millions of blobs at a few dozen entries each.
//
// # File format
//
// A blob file is the content followed by a footer:
//
//	content      Size bytes
//	block table  NumBlocks x uint32 CRC-32C of each BlockSize block of the
//	             content (the last block may be short; an empty blob has none)
//	trailer      64 bytes:
//	  0  [8]byte  magic "KOSSBLOB"
//	  8  uint32   format version (1)
//	 12  uint32   BlockSize
//	 16  uint64   Size
//	 24  [16]byte MD5 of the content
//	 40  uint64   CRC-64/ECMA (as Go's crc64.ECMA table computes it, the
//	              value OSS reports in x-oss-hash-crc64ecma)
//	 48  uint32   CRC-32C of the block table
//	 52  uint32   reserved, zero
//	 56  uint32   CRC-32C of trailer bytes 0..56
//	 60  uint32   reserved, zero
//
// All integers are little-endian. NumBlocks is ceil(Size/BlockSize), so the
// file size must be exactly Size + 4*NumBlocks + 64; any other size means the
// file was truncated or extended and is ErrCorrupt. The footer sits at the end
// so that content can be streamed straight to disk without knowing its size
// in advance, and so that any truncation destroys the trailer.
//
// # Durability and crash rules
//
// Create makes a blob durable before it returns:
//
//  1. stream the content into tmp/<id> (O_EXCL), computing the block CRCs,
//     MD5 and CRC-64 on the way (or, with CreateOptions.Digest, taking the
//     MD5 the writer computed over the same stream and checking its CRC-64
//     against the one computed here); write the footer;
//  2. f.Sync() the file;
//  3. rename tmp/<id> to blobs/<aa>/<bb>/<id> (creating and fsyncing the
//     fan-out directories the first time this process uses them);
//  4. fsync blobs/<aa>/<bb> so the rename itself survives a power loss.
//
// Consequences of a crash at each point:
//   - before or during 2: a partial file in tmp/; New deletes everything in
//     tmp/ when the store is opened, so no partial blob is ever visible.
//   - between 2 and 4: either the blob is in tmp/ (deleted at open) or it is
//     complete and verified-good in blobs/. Nothing refers to it yet (the
//     metadata commit comes after Create returns), so it is an orphan that the
//     object layer's sweeper deletes after a grace period.
//
// Delete unlinks the file without fsyncing the directory: if the unlink is
// lost in a crash the blob reappears unreferenced and is swept again.
//
// The fault-injection points between 2 and 3 and between 3 and 4 are the
// unexported testHookAfterSync and testHookBeforeDirSync variables; a hook
// that returns an error makes Create return at once and leave the files as a
// crash would.
//
// # Free space
//
// A Disk keeps a reserve of free space on its file system
// (Config.MinFreeSpace, kossd's --min-free-space; by default 1% of the file
// system, between 16 MiB and 256 MiB) for what must still work when the disk
// is full:
// the metadata (bbolt, and the raft log when it shares the disk) and the
// deletes that free space. Create refuses a blob whose size would eat into
// it with ErrNoSpace before opening anything, and CheckSpace lets the
// object layer apply the same rule to data it keeps inline in the metadata.
// The check uses a statfs cached for a second, charged with every write it
// accepts meanwhile, so a small request costs no syscall. When the file
// system runs out anyway (another writer, a blob of unknown size) its
// ENOSPC or EDQUOT is reported as ErrNoSpace too, after the tmp/ file is
// removed. Either way nothing is visible under the id.
//
// # Reading
//
// Open returns a Handle whose ReadAt reads whole blocks, verifies each one
// and copies out the requested bytes, so ranged reads are verified exactly
// like full reads. NewReader wraps a Handle in a sequential reader that issues
// block-aligned reads, touching each block once. Verify (and VerifyAll, the
// scrubber) reads a whole blob and also checks its MD5 and CRC-64.
package blob
