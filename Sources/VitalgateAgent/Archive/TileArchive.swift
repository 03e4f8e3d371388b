#if canImport(Glibc)
import FileIO
import Glibc
#endif
import Merkle
import SQLiteStore
import SHA2

/// The archive folder of the log's hashes (docs/storage.md, "The archive"):
/// full tiles in the C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles,
/// "Merkle Tree": `tile/<L>/<N>`, 256 hashes of 32 bytes, never changed once
/// written), under a folder the operator mounts or syncs (a network share,
/// a USB disk, a folder rclone copies to object storage). A file `vitalgate-log`
/// names the log the folder belongs to, so two gateways never mix their tiles.
///
/// A tile is written to a temporary name, fsynced, renamed into place and the
/// folder fsynced; then its pages are dropped from the page cache and it is
/// read back and compared, so what is checked is what the storage returns.
/// Only then may the gateway drop its own copy (`TileArchiver`).
public struct TileArchive: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = Files.withoutTrailingSlashes(directory) }

    /// The file naming the log whose tiles the folder holds.
    public var identityFile: String { directory + "/vitalgate-log" }

    public func path(_ tile: TileCoordinate) -> String { directory + "/" + tile.path }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Checks that the folder is this log's archive. The first tile ever
    /// archived (`firstUse`) writes the identity file into an empty folder;
    /// after that a folder without it is not the archive (not mounted, or
    /// another folder), and nothing is archived there.
    public func claim(origin: String, firstUse: Bool) throws {
        let expected = "origin \(origin)\n"
        if Files.exists(identityFile) {
            let text = (try? Files.readText(identityFile)) ?? ""
            guard text == expected else {
                throw Failure("the archive folder \(directory) belongs to another log (\(identityFile) says `\(text.split(separator: "\n").first ?? "")`, this log is `\(origin)`)")
            }
            return
        }
        guard firstUse else {
            throw Failure("the archive folder \(directory) has no \(identityFile.split(separator: "/").last ?? ""): it is not mounted, or is not this log's archive; tiles stay here until it is back")
        }
        guard Files.exists(directory) else { throw Failure("the archive folder \(directory) does not exist") }
        let entries = (try? Files.list(directory)) ?? []
        guard entries.allSatisfy({ $0.hasPrefix(".") }) else {
            throw Failure("the archive folder \(directory) is not empty and has no \(identityFile.split(separator: "/").last ?? ""): refusing to archive into it")
        }
        do { try Files.replace(Array(expected.utf8), at: identityFile, mode: 0o640) } catch {
            throw Failure("cannot write \(identityFile): \(error)")
        }
    }

    /// The bytes of `tile`, nil if its file does not exist.
    public func read(_ tile: TileCoordinate) throws -> [UInt8]? {
        let file = path(tile)
        guard Files.exists(file) else { return nil }
        do { return try Files.read(file) } catch { throw Failure("cannot read the archived tile \(file): \(error)") }
    }

    /// Writes `tile` durably and reads it back from storage; throws unless the
    /// copy is exactly `bytes`. Writing a tile that is already archived with
    /// the same bytes only checks it; with other bytes it is refused (tiles
    /// never change: a different file there is another log's or damaged).
    public func store(_ tile: TileCoordinate, bytes: [UInt8]) throws {
        precondition(!tile.isPartial, "only full tiles are archived")
        let file = path(tile)
        if let existing = try read(tile) {
            guard existing == bytes else {
                throw Failure("\(file) exists with other content: the archive holds another log's tile there, or a damaged one")
            }
            return
        }
        let folder = String(file[..<file.lastIndex(of: "/")!])
        do {
            try Files.makeDirectory(folder, mode: 0o750)
            try Files.replace(bytes, at: file, mode: 0o640)
        } catch {
            throw Failure("cannot write \(file): \(error)")
        }
        guard try readBackFromStorage(file) == bytes else {
            throw Failure("\(file) does not read back as written: the archive's storage is unreliable; nothing is dropped")
        }
    }

    /// The hashes of archived `tile`, checked: the file must be a full tile
    /// whose hashes fold (RFC 9162 section 2.1.1) to `expectedRoot()`, the
    /// node the log holds one tile level up. Any other content is refused
    /// with the reason; a proof is never made from it.
    public func checkedTile(_ tile: TileCoordinate, expectedRoot: () throws -> SHA256Digest) throws -> [SHA256Digest] {
        let file = path(tile)
        guard let bytes = try read(tile) else {
            throw Failure("the log's hashes for this proof were archived as \(tile.path) and dropped here, but \(file) does not exist: is the archive folder mounted?")
        }
        guard let hashes = Tiles.decode(bytes, expected: tile.width) else {
            throw Failure("the archived tile \(file) is \(bytes.count) bytes, not \(tile.byteCount): the archive copy is damaged; no proof is made from it")
        }
        let expected = try expectedRoot()
        let folded = Tiles.fold(hashes)
        guard folded == expected else {
            throw Failure("the archived tile \(file) does not match the log (its hashes fold to \(folded.hex), the log has \(expected.hex)): the archive copy was altered or damaged; no proof is made from it")
        }
        return hashes
    }

    /// The file as the storage holds it: its cached pages are dropped
    /// (posix_fadvise DONTNEED after the fsync that `replace` did) before reading.
    private func readBackFromStorage(_ file: String) throws -> [UInt8] {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
        }
        do { return try Files.read(file) } catch { throw Failure("cannot read back \(file): \(error)") }
    }
}

/// How far the archive reaches, as recorded in `meta`: the number of full
/// tiles of each tile level, from index 0 on, written to the archive and read
/// back. Tiles below that count may be dropped locally.
struct TileArchiveState {
    let db: Database

    init(_ db: Database) { self.db = db }

    static func key(level: Int) -> String { "archived_tiles_\(level)" }

    func archived(level: Int) throws -> UInt64 {
        UInt64(try db.meta(Self.key(level: level)).flatMap { UInt64($0) } ?? 0)
    }

    func setArchived(level: Int, _ count: UInt64) throws {
        try db.setMeta(Self.key(level: level), String(count))
    }
}
