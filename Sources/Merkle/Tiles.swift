import SHA2

/// The C2SP tlog-tiles layout of a log's hashes (https://c2sp.org/tlog-tiles,
/// "Merkle Tree"): the hashes of Merkle level `height × L` are cut into tiles
/// of `2^height` consecutive hashes (tile level `L`); a tile stands for the
/// perfect subtree of height `height` whose bottom row they are, so every node
/// of levels `height × L + 1 … height × L + height - 1` is recomputed from one
/// tile, and the node of level `height × (L + 1)` is a hash of the tile above.
/// tlog-tiles fixes the height at 8 (`TileLayout.tlog`, 256 hashes, 8 KiB);
/// other heights exist for tests, which can then reach many tile levels with
/// few leaves.
public struct TileLayout: Sendable, Hashable {
    /// Merkle levels per tile level: 8 in tlog-tiles.
    public let height: Int

    /// The tlog-tiles layout: tiles of 256 hashes.
    public static let tlog = TileLayout(height: 8)

    public init(height: Int) {
        precondition((1...16).contains(height), "tile height \(height) is outside 1...16")
        self.height = height
    }

    /// Hashes in a full tile (`2^height`).
    public var width: Int { 1 << height }

    /// Where the hashes making up perfect subtree `(level, index)` lie: which
    /// row of tile hashes (Merkle level `height × tileLevel`), from which
    /// index, how many (a power of two below `width`, so always inside one tile).
    public func span(level: Int, index: UInt64) -> TileSpan {
        let tileLevel = level / height, rise = level % height
        return TileSpan(tileLevel: tileLevel, first: index << UInt64(rise), count: 1 << rise, height: height)
    }

    /// Every tile of a tree of `size` leaves, full and partial, bottom level
    /// first and left to right within a level: at tile level `L` the tree has
    /// `size >> (height × L)` complete hashes of Merkle level `height × L`
    /// (RFC 9162 section 2.1.1: a perfect subtree exists once all its leaves
    /// do), grouped by `width`; a last group of fewer is a partial tile.
    public func tiles(treeSize size: UInt64) -> [TileCoordinate] {
        var result: [TileCoordinate] = []
        var level = 0
        while level * height < 64 {
            let hashes = size >> UInt64(level * height)
            if hashes == 0 { break }
            let full = hashes >> UInt64(height)
            for index in 0..<full { result.append(TileCoordinate(level: level, index: index, width: width, layout: self)) }
            let rest = Int(hashes & UInt64(width - 1))
            if rest > 0 { result.append(TileCoordinate(level: level, index: full, width: rest, layout: self)) }
            level += 1
        }
        return result
    }

    /// The number of full tiles of tile level `level` in a tree of `size` leaves.
    public func fullTiles(level: Int, treeSize size: UInt64) -> UInt64 {
        let shift = (level + 1) * height
        return shift >= 64 ? 0 : size >> UInt64(shift)
    }
}

/// The hashes that make up one perfect subtree, as `TileLayout.span` finds them.
public struct TileSpan: Sendable, Equatable {
    /// The tile level: the hashes are of Merkle level `height × tileLevel`.
    public let tileLevel: Int
    /// The index (at that Merkle level) of the first hash.
    public let first: UInt64
    /// How many consecutive hashes: `2^(level mod height)`.
    public let count: Int
    let height: Int

    /// The Merkle level of the hashes.
    public var hashLevel: Int { tileLevel * height }
    /// The tile that holds them.
    public var tileIndex: UInt64 { first >> UInt64(height) }
    /// The position of the first one inside that tile.
    public var offset: Int { Int(first & UInt64((1 << height) - 1)) }
}

/// One tile: tile level, index and width (`width` < full for the partial
/// tile at the right edge of a level). Its hashes are those of Merkle level
/// `height × level` with indices `index × 2^height ..< index × 2^height + width`.
public struct TileCoordinate: Hashable, Sendable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64
    public let width: Int
    public let layout: TileLayout

    public init(level: Int, index: UInt64, width: Int, layout: TileLayout = .tlog) {
        precondition(level >= 0 && (1...layout.width).contains(width), "tile level \(level) width \(width) is out of range")
        self.level = level
        self.index = index
        self.width = width
        self.layout = layout
    }

    public var isPartial: Bool { width < layout.width }
    /// The Merkle level of its hashes.
    public var hashLevel: Int { level * layout.height }
    /// The index (at `hashLevel`) of its first hash.
    public var firstHash: UInt64 { index << UInt64(layout.height) }
    /// Its size in bytes: 32 per hash.
    public var byteCount: Int { width * SHA256Digest.byteCount }

    /// The tlog-tiles path `tile/<L>/<N>[.p/<W>]`, `<N>` in 3-digit groups.
    public var path: String {
        "tile/\(level)/" + Self.indexPath(index) + (isPartial ? ".p/\(width)" : "")
    }

    public var description: String { path }

    /// tlog-tiles' encoding of a tile index: zero-padded 3-digit path
    /// elements, all but the last prefixed with `x` (1234067 → `x001/x234/067`).
    public static func indexPath(_ index: UInt64) -> String {
        var groups: [UInt64] = []
        var n = index
        repeat {
            groups.append(n % 1000)
            n /= 1000
        } while n > 0
        return groups.reversed().enumerated().map { position, group in
            let digits = String(group)
            let padded = String(repeating: "0", count: 3 - digits.count) + digits
            return position == groups.count - 1 ? padded : "x" + padded
        }.joined(separator: "/")
    }
}

/// Tile contents and the nodes recomputed from them.
public enum Tiles {
    /// A tile's bytes: its hashes concatenated, left to right (tlog-tiles).
    public static func encode(_ hashes: some Sequence<SHA256Digest>) -> [UInt8] {
        var bytes: [UInt8] = []
        for hash in hashes { bytes += hash.bytes }
        return bytes
    }

    /// The hashes of a tile's bytes; nil unless they are `expected` whole
    /// hashes (a truncated or padded file is not a tile).
    public static func decode(_ bytes: [UInt8], expected: Int) -> [SHA256Digest]? {
        guard bytes.count == expected * SHA256Digest.byteCount else { return nil }
        return bytes.withUnsafeBytes { raw in
            (0..<expected).map { i in
                SHA256Digest(raw: UnsafeRawBufferPointer(rebasing: raw[(i * SHA256Digest.byteCount)..<((i + 1) * SHA256Digest.byteCount)]))!
            }
        }
    }

    /// Every node of the perfect subtree whose bottom row is `hashes` (a
    /// power of two of them), row by row: `[0]` is `hashes`, each next row
    /// hashes pairs of the one below (RFC 9162 section 2.1.1), the last holds the root.
    public static func subtreeRows(_ hashes: [SHA256Digest]) -> [[SHA256Digest]] {
        precondition(!hashes.isEmpty && hashes.count & (hashes.count - 1) == 0, "\(hashes.count) hashes are no perfect subtree")
        var rows = [hashes]
        while let row = rows.last, row.count > 1 {
            rows.append(stride(from: 0, to: row.count, by: 2).map { RFC9162.hashChildren(row[$0], row[$0 + 1]) })
        }
        return rows
    }

    /// The root of the perfect subtree whose bottom row is `hashes` (a power
    /// of two of them): RFC 9162 section 2.1.1, each pair hashed with
    /// `hashChildren` until one is left.
    public static func fold(_ hashes: some Collection<SHA256Digest>) -> SHA256Digest {
        precondition(!hashes.isEmpty && hashes.count & (hashes.count - 1) == 0, "\(hashes.count) hashes are no perfect subtree")
        var row = Array(hashes)
        while row.count > 1 {
            row = stride(from: 0, to: row.count, by: 2).map { RFC9162.hashChildren(row[$0], row[$0 + 1]) }
        }
        return row[0]
    }
}

/// A `PerfectSubtreeSource` that stores only the hashes of Merkle levels that
/// are multiples of the tile height (the rows tiles are made of) and
/// recomputes every node in between from at most `2^(height - 1)` of them.
/// Where the rows come from (a database, files, memory) is `rows`' business.
public struct TiledNodes<Rows: TileRows>: PerfectSubtreeSource {
    public let layout: TileLayout
    public let rows: Rows

    public init(layout: TileLayout = .tlog, rows: Rows) {
        self.layout = layout
        self.rows = rows
    }

    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        let span = layout.span(level: level, index: index)
        let hashes = try rows.hashes(level: span.hashLevel, from: span.first, count: span.count)
        guard hashes.count == span.count else { throw MissingPerfectSubtree(level: level, index: index) }
        return span.count == 1 ? hashes[0] : Tiles.fold(hashes)
    }
}

/// Consecutive hashes of one Merkle level that is a multiple of the tile
/// height, as a store keeps them.
public protocol TileRows {
    /// Hashes `first ..< first + count` of Merkle level `level`; throws (or
    /// returns fewer) when one is not held.
    func hashes(level: Int, from first: UInt64, count: Int) throws -> [SHA256Digest]
}
