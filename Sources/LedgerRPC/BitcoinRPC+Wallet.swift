#if canImport(Glibc)
import Glibc
#endif
import JSON

extension BitcoinRPC {
    /// Makes sure wallet `name` is loaded: nothing if it is, `loadwallet` if it
    /// exists on disk, `createwallet` otherwise.
    ///
    /// A node does not reload wallets after a restart unless told to, so the
    /// agent calls this at every start. Codes as litecoind 0.21.2 answers:
    /// `loadwallet` of a missing wallet is -18; of a loaded one -4 "already
    /// loaded" (-35 from Bitcoin Core 22 on); `createwallet` of an existing one -4.
    public func ensureWallet(_ name: String) throws(LedgerError) {
        let loaded = try call("listwallets").array?.compactMap(\.string) ?? []
        if loaded.contains(name) { return }
        do throws(LedgerError) {
            _ = try call("loadwallet", [.string(name)])
        } catch .rpc(let code, _) where code == RPCErrorCode.walletNotFound {
            do throws(LedgerError) {
                _ = try call("createwallet", [.string(name)])
            } catch .rpc(let code, let message) where code == RPCErrorCode.walletError && message.contains("already exists") {
                // Another client created it between our two calls; load what it made.
                try loadTolerated(name)
            }
        } catch .rpc(let code, let message) where Self.isAlreadyLoaded(code, message) {
            return
        } catch .rpc(let code, let message) where code == RPCErrorCode.walletError && message.contains("already being loading") {
            // Another client's loadwallet is under way (0.21's wording); wait for it to finish.
            try waitForWallet(name)
        }
    }

    /// Polls `listwallets` (at most ~10 s) until `name` is loaded.
    private func waitForWallet(_ name: String) throws(LedgerError) {
        for _ in 0..<100 {
            if (try call("listwallets").array?.compactMap(\.string) ?? []).contains(name) { return }
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
        }
        throw LedgerError.badResponse("wallet \(name) did not finish loading within 10 s")
    }

    private func loadTolerated(_ name: String) throws(LedgerError) {
        do throws(LedgerError) { _ = try call("loadwallet", [.string(name)]) } catch .rpc(let code, let message) where Self.isAlreadyLoaded(code, message) {}
    }

    private static func isAlreadyLoaded(_ code: Int, _ message: String) -> Bool {
        code == RPCErrorCode.walletAlreadyLoaded || (code == RPCErrorCode.walletError && message.contains("already loaded"))
    }

    /// `getnewaddress` in the endpoint's wallet (the node's default address type).
    public func newAddress() throws(LedgerError) -> String {
        try call("getnewaddress", [], wallet: true).asString(in: "getnewaddress")
    }
}
