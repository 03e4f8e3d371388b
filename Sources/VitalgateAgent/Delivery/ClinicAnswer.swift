import CurlHTTP
import JSON

/// What to do after one POST of a transaction Bundle, from the answer.
enum ClinicAnswer: Equatable {
    /// Committed: a `transaction-response` Bundle with one entry per entry sent.
    case delivered(status: Int)
    /// Not committed now; the same Bundle is sent again after a backoff.
    case retry(status: Int?, reason: String)
    /// Refused for what the Bundle holds; resending the same bytes can't help.
    case refused(status: Int, body: String)

    /// Longest body kept with a refusal: an OperationOutcome, not a document.
    static let keptBodyBytes = 4000

    /// Statuses that say nothing about the Bundle itself: authorization to
    /// fix (401, 403, 407), a timeout (408), too many requests (429). They
    /// are retried like 5xx, so a wrong token delays delivery and loses nothing.
    static let transientClientErrors: Set<Int> = [401, 403, 407, 408, 429]

    static func classify(_ result: Result<HTTPResponse, HTTPFailure>, sentEntries: Int) -> ClinicAnswer {
        switch result {
        case .failure(let failure):
            return .retry(status: nil, reason: failure.description)
        case .success(let response):
            switch response.status {
            case 200...299:
                return checkResponseBundle(response, sentEntries: sentEntries)
            case 400...499 where !transientClientErrors.contains(response.status):
                return .refused(status: response.status, body: String(decoding: response.body.prefix(keptBodyBytes), as: UTF8.self))
            default:
                return .retry(status: response.status, reason: "HTTP \(response.status)")
            }
        }
    }

    /// FHIR R4 http.html#transaction-response: a transaction succeeds as a whole, answered by a
    /// `transaction-response` Bundle with an entry per request entry, in order.
    static func checkResponseBundle(_ response: HTTPResponse, sentEntries: Int) -> ClinicAnswer {
        var limits = JSONParser.Limits()
        limits.maxBytes = CurlHTTP.maximumResponseBytes
        guard let bundle = try? JSONParser.parse(response.body, limits: limits),
              bundle["resourceType"]?.string == "Bundle", bundle["type"]?.string == "transaction-response",
              let entries = bundle["entry"]?.array else {
            return .retry(status: response.status, reason: "HTTP \(response.status) without a transaction-response Bundle")
        }
        guard entries.count == sentEntries else {
            return .retry(status: response.status, reason: "transaction-response has \(entries.count) entries for \(sentEntries) sent")
        }
        for entry in entries {
            let status = entry["response"]?["status"]?.string ?? ""
            guard status.hasPrefix("200") || status.hasPrefix("201") else {
                return .retry(status: response.status, reason: "transaction-response entry status `\(status.prefix(40))`")
            }
        }
        return .delivered(status: response.status)
    }
}
