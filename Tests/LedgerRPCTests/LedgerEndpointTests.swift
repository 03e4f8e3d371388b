import LedgerRPC
import Testing

@Suite struct LedgerEndpointTests {
    @Test func parsesHostPortAndPath() throws {
        let plain = try LedgerEndpoint(url: "http://127.0.0.1:19443", wallet: "vitalgate", auth: .cookieFile("/tmp/c"))
        #expect(plain.host == "127.0.0.1" && plain.port == 19443 && plain.path == "/")
        let lan = try LedgerEndpoint(url: "HTTP://ledger.lan:9332/rpc/", auth: .userPassword("u", "p"))
        #expect(lan.host == "ledger.lan" && lan.port == 9332 && lan.path == "/rpc/")
        let v6 = try LedgerEndpoint(url: "http://[::1]:19443", auth: .userPassword("u", "p"))
        #expect(v6.host == "::1" && v6.port == 19443)
    }

    @Test(arguments: [
        ("https://127.0.0.1:19443", "https is not supported"),
        ("ftp://127.0.0.1:19443", "must start with http://"),
        ("http://127.0.0.1", "missing port"),
        ("http://127.0.0.1:0", "port must be 1-65535"),
        ("http://127.0.0.1:70000", "port must be 1-65535"),
        ("http://:19443", "missing host"),
        ("http://user:secret@127.0.0.1:19443", "not in the URL"),
        ("http://[::1:19443", "unclosed ["),
    ])
    func rejectsWithAReason(url: String, reason: String) {
        #expect {
            try LedgerEndpoint(url: url, auth: .cookieFile("/tmp/c"))
        } throws: { error in
            (error as? InvalidLedgerURL)?.reason.contains(reason) == true
        }
    }

    @Test func descriptionsNeverShowThePassword() throws {
        let endpoint = try LedgerEndpoint(url: "http://127.0.0.1:19443", wallet: "w", auth: .userPassword("alice", "s3cret-pw"))
        for text in ["\(endpoint)", String(reflecting: endpoint), "\(endpoint.auth)", String(reflecting: endpoint.auth)] {
            #expect(!text.contains("s3cret-pw"), "\(text)")
        }
        #expect("\(endpoint)".contains("alice"))
    }
}
