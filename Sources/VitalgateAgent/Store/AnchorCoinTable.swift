import LedgerRPC
import SQLiteStore

public enum AnchorCoinState: String, Sendable {
    /// Ours to spend for the next anchor.
    case unspent
    /// Spent by an anchor (`spent_by`).
    case spent
    /// No longer used: too small for another anchor's fee, or spent by
    /// something else. Still in the wallet, which may spend it when it makes new coins.
    case retired
}

/// An output of an endpoint's wallet that the agent keeps for anchors.
public struct AnchorCoin: Sendable, Equatable {
    public let endpoint: String
    public let outPoint: OutPoint
    /// Satoshis.
    public let value: Int64
    public let address: String
    public let state: AnchorCoinState
    /// Unconfirmed transactions from this coin back to the chain, its own
    /// included, as last seen (0: confirmed). Spending it makes a
    /// transaction with `chain + 1` unconfirmed ancestors.
    public let chain: Int
    public let fundingRaw: [UInt8]?
}

public struct AnchorCoinTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    static let columns = "endpoint, txid, vout, value, address, state, chain, funding_raw"

    public func insert(endpoint: String, outPoint: OutPoint, value: Int64, address: String, chain: Int,
                       fundingRaw: [UInt8]?, at millis: Int64) throws {
        try db.cachedStatement("""
            INSERT INTO anchor_coins(endpoint, txid, vout, value, address, state, chain, funding_raw, created_at)
            VALUES (?, ?, ?, ?, ?, 'unspent', ?, ?, ?)
            """).run(.text(endpoint), .text(outPoint.txid), .integer(Int64(outPoint.vout)), .integer(value), .text(address),
                     .integer(Int64(chain)), SQLiteValue(fundingRaw), .integer(millis))
    }

    /// Unspent coins of `endpoint`, shallowest unconfirmed chain first, then largest.
    public func unspent(endpoint: String) throws -> [AnchorCoin] {
        try db.prepare("SELECT \(Self.columns) FROM anchor_coins WHERE endpoint = ? AND state = 'unspent' ORDER BY chain, value DESC")
            .rows(.text(endpoint), map: Self.row)
    }

    public func coin(_ outPoint: OutPoint) throws -> AnchorCoin? {
        try db.prepare("SELECT \(Self.columns) FROM anchor_coins WHERE txid = ? AND vout = ?")
            .rows(.text(outPoint.txid), .integer(Int64(outPoint.vout)), map: Self.row).first
    }

    public func markSpent(_ outPoint: OutPoint, by anchorID: Int64) throws {
        try update("state = 'spent', spent_by = ?", outPoint, .integer(anchorID))
    }

    public func setState(_ outPoint: OutPoint, _ state: AnchorCoinState) throws {
        try update("state = ?" + (state == .unspent ? ", spent_by = NULL" : ""), outPoint, .text(state.rawValue))
    }

    public func setChain(_ outPoint: OutPoint, _ chain: Int) throws {
        try update("chain = ?", outPoint, .integer(Int64(chain)))
    }

    /// Forgets a coin that never came to exist (the change of a refused anchor).
    public func delete(_ outPoint: OutPoint) throws {
        try db.cachedStatement("DELETE FROM anchor_coins WHERE txid = ? AND vout = ?")
            .run(.text(outPoint.txid), .integer(Int64(outPoint.vout)))
    }

    private func update(_ assignments: String, _ outPoint: OutPoint, _ value: SQLiteValue) throws {
        try db.cachedStatement("UPDATE anchor_coins SET \(assignments) WHERE txid = ? AND vout = ?")
            .run(value, .text(outPoint.txid), .integer(Int64(outPoint.vout)))
    }

    static func row(_ st: Statement) -> AnchorCoin {
        AnchorCoin(endpoint: st.text(0) ?? "", outPoint: OutPoint(txid: st.text(1) ?? "", vout: UInt32(st.int64(2))),
                   value: st.int64(3), address: st.text(4) ?? "", state: AnchorCoinState(rawValue: st.text(5) ?? "") ?? .retired,
                   chain: Int(st.int64(6)), fundingRaw: st.blob(7))
    }
}
