import AWSBackends
import AWSSigning
import Foundation
import Testing

/// Reading S3 notifications as they arrive in SQS, without a network.
@Suite(.timeLimit(.minutes(10))) struct S3EventTests {
    static let direct = """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventTime":"2026-11-21T10:00:00.000Z","eventName":"ObjectCreated:Put",
        "s3":{"bucket":{"name":"photos"},"object":{"key":"incoming/summer+trip/caf%C3%A9+1.jpg","size":1234,"eTag":"abc123"}}}]}
        """

    @Test func keysAreURLDecodedAndTheFieldsRead() {
        guard case .records(let records) = S3EventMessage.parse(Self.direct), let event = records.first else {
            Issue.record("not read as records")
            return
        }
        #expect(
            event
                == S3ObjectEvent(
                    eventName: "ObjectCreated:Put", bucket: "photos", key: "incoming/summer trip/café 1.jpg", size: 1234, eTag: "abc123",
                    eventTime: event.eventTime))
        #expect(event.eventTime != nil)
        #expect(event.isObjectCreated)
    }

    @Test func anSNSEnvelopeIsUnwrapped() throws {
        let envelope = String(decoding: try JSONSerialization.data(withJSONObject: ["Type": "Notification", "Message": Self.direct]), as: UTF8.self)
        #expect(S3EventMessage.parse(envelope) == S3EventMessage.parse(Self.direct))
    }

    @Test func testEventsAndStrangersAreToldApart() {
        #expect(S3EventMessage.parse(#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"photos"}"#) == .test)
        #expect(S3EventMessage.parse(#"{"Type":"Notification","Message":"{\"Event\":\"s3:TestEvent\"}"}"#) == .test)
        #expect(S3EventMessage.parse("not json") == .unrecognized)
        #expect(S3EventMessage.parse(#"{"hello":"world"}"#) == .unrecognized)
        guard
            case .records(let records) = S3EventMessage.parse(
                #"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#)
        else {
            Issue.record("a removal is still an S3 record")
            return
        }
        #expect(records.count == 1 && !records[0].isObjectCreated)
    }

    @Test func aSplitRecordReadsBackTheSame() throws {
        guard case .records(let records) = S3EventMessage.parse(Self.direct), let event = records.first else { return }
        guard case .records(let again) = S3EventMessage.parse(event.asEventJSON) else {
            Issue.record("the split message does not parse")
            return
        }
        #expect(again.first?.key == event.key && again.first?.eTag == event.eTag && again.first?.size == event.size)
    }
}

/// Path-style and virtual-hosted addressing, as the endpoint and the setting choose.
@Suite(.timeLimit(.minutes(10))) struct S3AddressingTests {
    static func client(_ endpoints: [String: URL], style: String = "auto") -> S3Client {
        S3Client(
            environment: AWSEnvironment(
                credentials: AWSCredentials(accessKeyID: "K", secretAccessKey: "S"), region: "eu-west-1", endpoints: endpoints,
                s3AddressingStyle: style))
    }

    @Test func awsItselfGetsVirtualHostedURLs() {
        let url = Self.client([:]).presignedGetURL(bucket: "photos", key: "a b/c.jpg", expires: 60, date: Date(timeIntervalSince1970: 0))
        #expect(url.hasPrefix("https://photos.s3.eu-west-1.amazonaws.com/a%20b/c.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
    }

    @Test func aCustomEndpointGetsPathStyleUnlessToldOtherwise() {
        let minio = URL(string: "http://127.0.0.1:9000")!
        #expect(
            Self.client(["s3": minio]).presignedGetURL(bucket: "photos", key: "k.jpg", expires: 60).hasPrefix("http://127.0.0.1:9000/photos/k.jpg?"))
        #expect(
            Self.client(["s3": URL(string: "https://r2.example.com")!], style: "virtual").presignedGetURL(bucket: "photos", key: "k.jpg", expires: 60)
                .hasPrefix("https://photos.r2.example.com/k.jpg?"))
    }
}
