import LedgerRPC
import Testing

/// The named codes are bitcoin/src/rpc/protocol.h's numbers, and the
/// decisions made from them (refusal kinds, "try another node") read the names.
@Suite struct RPCErrorCodeTests {
    @Test func namesAreProtocolNumbers() {
        #expect(RPCErrorCode.invalidAddressOrKey == -5)
        #expect(RPCErrorCode.invalidParameter == -8)
        #expect(RPCErrorCode.walletNotFound == -18)
        #expect([RPCErrorCode.verifyError, RPCErrorCode.verifyRejected, RPCErrorCode.verifyAlreadyInChain, RPCErrorCode.inWarmup]
                == [-25, -26, -27, -28])
    }

    @Test func sendRefusalsByCode() {
        #expect(SendRefusal(.rpc(code: -27, message: "already")) == .alreadyInChain)
        #expect(SendRefusal(.rpc(code: -25, message: "missingorspent")) == .inputsMissingOrSpent("missingorspent"))
        #expect(SendRefusal(.rpc(code: -26, message: "too-long-mempool-chain")) == .rejected("too-long-mempool-chain"))
        #expect(SendRefusal(.rpc(code: -28, message: "warming up")) == nil)
        #expect(SendRefusal(.unreachable("down")) == nil)
    }

    @Test func aNodeIsDownWhenUnreachableUnauthorisedCookielessOrWarmingUp() {
        #expect(LedgerError.unreachable("refused").nodeIsDown)
        #expect(LedgerError.unauthorized.nodeIsDown)
        #expect(LedgerError.cookieUnreadable("gone").nodeIsDown)
        #expect(LedgerError.rpc(code: -28, message: "Loading block index").nodeIsDown)
        #expect(!LedgerError.rpc(code: -26, message: "policy").nodeIsDown)
        #expect(!LedgerError.badResponse("html").nodeIsDown)
    }
}
