import JSON
import LedgerRPC
import Testing

/// The JSON-RPC client's own HTTP/1.1 code against canned answers from a
/// real listener on 127.0.0.1: what it accepts, and what it refuses with a
/// reason rather than a wrong result.
@Suite struct HTTPExchangeTests {
    /// A client for the canned server; request id 1 is the first call's.
    private func client(_ server: CannedHTTPServer) throws -> BitcoinRPC {
        BitcoinRPC(endpoint: try LedgerEndpoint(url: "http://127.0.0.1:\(server.port)/", wallet: "w", auth: .userPassword("u", "p")),
                   timeoutSeconds: 5)
    }

    private func answer(_ body: String, head: String? = nil) -> String {
        "HTTP/1.1 200 OK\r\n" + (head ?? "Content-Length: \(body.utf8.count)\r\n") + "Content-Type: application/json\r\n\r\n" + body
    }

    @Test func goodAnswerAndTheRequestItAnswers() throws {
        let server = try CannedHTTPServer(answer(#"{"result":{"blocks":7},"error":null,"id":1}"#))
        let result = try client(server).call("getblockcount", [.int(1)], wallet: true)
        #expect(result["blocks"]?.int64 == 7)
        let request = server.receivedRequest()
        #expect(request.hasPrefix("POST /wallet/w HTTP/1.1\r\n"))
        #expect(request.contains("\r\nAuthorization: Basic dTpw\r\n"))   // base64("u:p")
        #expect(request.contains("\r\nConnection: close\r\n"))
        #expect(request.contains(#""method":"getblockcount""#) && request.contains(#""params":[1]"#))
    }

    @Test func answerWithoutContentLengthEndsAtClose() throws {
        let server = try CannedHTTPServer("HTTP/1.0 200 OK\r\n\r\n" + #"{"result":3,"error":null,"id":1}"#)
        #expect(try client(server).call("getblockcount") == .int(3))
    }

    @Test func bytesPastContentLengthAreNotRead() throws {
        // Content-Length says where the body ends; what follows is no part of it.
        let body = #"{"result":"a","error":null,"id":1}"#
        let server = try CannedHTTPServer(answer(body + "garbage", head: "Content-Length: \(body.utf8.count)\r\n"))
        #expect(try client(server).call("x") == .string("a"))
    }

    @Test func chunkedIsRefused() throws {
        let server = try CannedHTTPServer(answer("b\r\n{\"result\":1}\r\n0\r\n\r\n", head: "Transfer-Encoding: chunked\r\n"))
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): Transfer-Encoding chunked is not supported for RPC answers")) {
            try client(server).call("x")
        }
    }

    @Test func truncatedBodyIsRefused() throws {
        let server = try CannedHTTPServer(answer(#"{"result":1,"#, head: "Content-Length: 40\r\n"))
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): body ended after 12 of 40 bytes")) {
            try client(server).call("x")
        }
    }

    @Test func truncatedHeadIsRefused() throws {
        let server = try CannedHTTPServer("HTTP/1.1 200 OK\r\nContent-Len")
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): connection closed before a complete HTTP header")) {
            try client(server).call("x")
        }
    }

    @Test(arguments: ["abc", "-1", "99999999999"])
    func wrongContentLengthIsRefused(value: String) throws {
        let server = try CannedHTTPServer(answer("{}", head: "Content-Length: \(value)\r\n"))
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): bad Content-Length \(value)")) {
            try client(server).call("x")
        }
    }

    @Test func oversizeAnswerIsRefused() throws {
        // No Content-Length, so only the size cap stops the read.
        let server = try CannedHTTPServer(answer: Array("HTTP/1.1 200 OK\r\n\r\n".utf8) + [UInt8](repeating: 0x20, count: (32 << 20) + 1))
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): answer larger than \(32 << 20) bytes")) {
            try client(server).call("x")
        }
    }

    @Test func notHTTPIsRefused() throws {
        let server = try CannedHTTPServer("SSH-2.0-OpenSSH_9.2\r\n\r\n")
        #expect(throws: LedgerError.badResponse("127.0.0.1:\(server.port): not an HTTP/1.x status line: SSH-2.0-OpenSSH_9.2")) {
            try client(server).call("x")
        }
    }

    @Test func unauthorizedAndRPCErrors() throws {
        let denied = try CannedHTTPServer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
        #expect(throws: LedgerError.unauthorized) { try client(denied).call("x") }
        let error = #"{"result":null,"error":{"code":-18,"message":"no wallet"},"id":1}"#
        let failed = try CannedHTTPServer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: \(error.utf8.count)\r\n\r\n" + error)
        #expect(throws: LedgerError.rpc(code: -18, message: "no wallet")) { try client(failed).call("x") }
    }
}
