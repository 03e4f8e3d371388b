import CurlHTTP
import Foundation
import Testing
import TestSupport

/// The libcurl adapter against the real test clinic server (Tests/fhir/clinic_server.py).
@Suite(.serialized)
struct CurlHTTPTests {
    static let body = Array(#"{"resourceType":"Bundle","type":"batch"}"#.utf8)

    @Test func httpsWithTheClinicCAAndBearerToken() throws {
        let ca = try TestCertificateAuthority()
        defer { ca.remove() }
        let server = try ClinicServer(token: "s3cret", tls: (ca.serverCert, ca.serverKey))
        defer { server.remove() }
        let url = "https://127.0.0.1:\(server.port)/fhir"

        // Through TLS, past the token: the server reads the Bundle and refuses its type.
        let answered = try CurlHTTP.post(HTTPRequest(url: url, headers: ["Authorization: Bearer s3cret"], body: Self.body, caFile: ca.caFile))
        #expect(answered.status == 400)
        #expect(String(decoding: answered.body, as: UTF8.self).contains("expected a transaction Bundle"))

        let noToken = try CurlHTTP.post(HTTPRequest(url: url, body: Self.body, caFile: ca.caFile))
        #expect(noToken.status == 401)

        // The system store does not know the test CA: the peer is verified, so no answer.
        #expect(throws: HTTPFailure.self) { try CurlHTTP.post(HTTPRequest(url: url, body: Self.body)) }
    }

    @Test func aClosedPortIsATransportFailure() throws {
        let port = try freeLoopbackPort()
        do {
            _ = try CurlHTTP.post(HTTPRequest(url: "http://127.0.0.1:\(port)/fhir", body: Self.body, timeoutSeconds: 5))
            Issue.record("a closed port answered")
        } catch {
            guard case .transport(let message) = error else { Issue.record("expected a transport failure, got \(error)"); return }
            #expect(message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func otherSchemesAreRefused() throws {
        #expect(throws: HTTPFailure.self) { try CurlHTTP.post(HTTPRequest(url: "file:///etc/hostname", body: Self.body)) }
    }

    /// A real clinic server stopped with SIGSTOP accepts the connection and never answers: cancelling ends the wait.
    @Test func cancellationAbortsARequestInFlight() throws {
        let server = try ClinicServer()
        defer { server.stop() }
        try #require(server.process?.freeze() == true, "the clinic server stopped (SIGSTOP)")
        defer { server.process?.thaw() }
        let port = server.port

        let cancellation = HTTPCancellation()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { cancellation.cancel() }
        #expect(throws: HTTPFailure.cancelled) {
            try CurlHTTP.post(HTTPRequest(url: "http://127.0.0.1:\(port)/", body: Self.body, timeoutSeconds: 30), cancellation: cancellation)
        }
    }
}
