import Foundation
import Keyflow
import KeyflowJSON

/// A flow's stored document, written and read field by field. `Codable` did the same through generic dispatch
/// (a container box, metadata lookups and kind checks per field), and a flow is read and saved on every step
/// of its verification: that dispatch was a tenth of the server's CPU. The JSON is exactly what `Codable`
/// writes, so documents of either kind read alike; the tests hold the two to each other on a flow with every
/// field set, and refuse to run on one that leaves a field out. A document this reader refuses is read
/// through `Codable`, whose error names the field.
enum FlowDocument {
    static func encode(_ flow: Flow) throws -> DocumentBytes {
        var text = JSONText()
        try flow.write(to: &text)
        return DocumentBytes(utf8: text.bytes)
    }

    static func decode(_ document: String, id: String) throws -> Flow {
        if let tape = try? JSONTape(parsing: document), let flow = try? Flow(document: DocumentObject(tape.root)) {
            return flow
        }
        return try Documents.decode(Flow.self, document, entity: "flow", id: id)
    }
}

extension Flow {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(
            id: try document.id("id"), organizationID: try document.id("organizationID"),
            templateID: try document.optionalID("templateID"), name: try document.text("name"),
            description: try document.text("description"), ownerID: try document.id("ownerID"),
            roles: try document.array("roles", DocumentObject.text),
            members: try document.array("members") { value throws(DocumentObject.Refused) in
                let member = try DocumentObject(value)
                return FlowMember(userID: try member.id("userID"), role: try member.optionalText("role"))
            },
            variables: try document.dictionary("variables", DocumentObject.text),
            actions: try document.array("actions") { value throws(DocumentObject.Refused) in
                try FlowAction(document: DocumentObject(value))
            },
            createdAt: try document.date("createdAt"))
        status = try document.choice("status")
        completedAt = try document.optionalDate("completedAt")
    }

    func write(to text: inout JSONText) throws {
        text.beginObject()
        text.key("id"); text.id(id)
        text.key("organizationID"); text.id(organizationID)
        if let templateID { text.key("templateID"); text.id(templateID) }
        text.key("name"); text.string(name)
        text.key("description"); text.string(description)
        text.key("ownerID"); text.id(ownerID)
        text.key("roles"); text.strings(roles)
        text.key("members")
        text.beginArray()
        for member in members {
            text.beginObject()
            text.key("userID"); text.id(member.userID)
            if let role = member.role { text.key("role"); text.string(role) }
            text.endObject()
        }
        text.endArray()
        text.key("variables")
        text.beginObject()
        for (name, value) in variables { text.key(named: name); text.string(value) }
        text.endObject()
        text.key("status"); text.string(status.rawValue)
        text.key("actions")
        text.beginArray()
        for action in actions { try action.write(to: &text) }
        text.endArray()
        text.key("createdAt"); try text.date(createdAt)
        if let completedAt { text.key("completedAt"); try text.date(completedAt) }
        text.endObject()
    }
}

extension FlowAction {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(definition: try ActionDefinition(document: document.object("definition")))
        status = try document.choice("status")
        resolvedTitle = try document.optionalText("resolvedTitle")
        resolvedDescription = try document.optionalText("resolvedDescription")
        warnings = try document.array("warnings", DocumentObject.text)
        dueAt = try document.optionalDate("dueAt")
        outputs = try document.dictionary("outputs", OutputValue.init(document:))
        activatedAt = try document.optionalDate("activatedAt")
        completedAt = try document.optionalDate("completedAt")
        completedBy = try document.optionalID("completedBy")
        reason = try document.optionalText("reason")
        verification = try document.optionalObject("verification").map(VerificationState.init(document:))
        remindersSent = try document.optionalArray("remindersSent") { value throws(DocumentObject.Refused) in
            guard let kind = ReminderKind(rawValue: try DocumentObject.text(value)) else { throw .init() }
            return kind
        }
    }

    func write(to text: inout JSONText) throws {
        text.beginObject()
        text.key("definition"); definition.write(to: &text)
        text.key("status"); text.string(status.rawValue)
        if let resolvedTitle { text.key("resolvedTitle"); text.string(resolvedTitle) }
        if let resolvedDescription { text.key("resolvedDescription"); text.string(resolvedDescription) }
        text.key("warnings"); text.strings(warnings)
        if let dueAt { text.key("dueAt"); try text.date(dueAt) }
        text.key("outputs"); try text.outputs(outputs)
        if let activatedAt { text.key("activatedAt"); try text.date(activatedAt) }
        if let completedAt { text.key("completedAt"); try text.date(completedAt) }
        if let completedBy { text.key("completedBy"); text.id(completedBy) }
        if let reason { text.key("reason"); text.string(reason) }
        if let verification { text.key("verification"); try verification.write(to: &text) }
        if let remindersSent { text.key("remindersSent"); text.strings(remindersSent.map(\.rawValue)) }
        text.endObject()
    }
}

extension ActionDefinition {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(
            id: try document.id("id"), type: try document.choice("type"), title: try document.text("title"),
            description: try document.text("description"), attachments: try document.array("attachments", DocumentObject.id),
            assignee: try document.optionalObject("assignee").map(Assignee.init(document:)),
            due: try DuePolicy(document: document.object("due")),
            form: try document.optionalObject("form").map(FormSpec.init(document:)),
            jumio: try document.optionalObject("jumio").map(JumioSettings.init(document:)))
    }

    func write(to text: inout JSONText) {
        text.beginObject()
        text.key("id"); text.id(id)
        text.key("type"); text.string(type.rawValue)
        text.key("title"); text.string(title)
        text.key("description"); text.string(description)
        text.key("attachments")
        text.beginArray()
        for attachment in attachments { text.id(attachment) }
        text.endArray()
        if let assignee {
            text.key("assignee")
            text.beginObject()
            switch assignee {
            case .user(let id): text.key("userId"); text.id(id)
            case .role(let role): text.key("role"); text.string(role)
            }
            text.endObject()
        }
        text.key("due"); due.write(to: &text)
        if let form { text.key("form"); form.write(to: &text) }
        if let jumio { text.key("jumio"); jumio.write(to: &text) }
        text.endObject()
    }
}

extension Assignee {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        switch (try document.optionalID("userId"), try document.optionalText("role")) {
        case (let user?, nil): self = .user(user)
        case (nil, let role?): self = .role(role)
        default: throw .init()
        }
    }
}

extension DuePolicy {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        let date = try document.optionalText("date")
        self.init(
            kind: try document.choice("kind"), days: try document.optionalInteger("days"),
            date: try date.map { text throws(DocumentObject.Refused) in
                guard let date = LocalDate(text) else { throw .init() }
                return date
            },
            excludeWeekends: try document.optionalBool("excludeWeekends") ?? false)
    }

    func write(to text: inout JSONText) {
        text.beginObject()
        text.key("kind"); text.string(kind.rawValue)
        if let days { text.key("days"); text.integer(days) }
        if let date { text.key("date"); text.string(date.description) }
        text.key("excludeWeekends"); text.bool(excludeWeekends)
        text.endObject()
    }
}

extension FormSpec {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(
            fields: try document.array("fields") { value throws(DocumentObject.Refused) in
                let field = try DocumentObject(value)
                let name = try field.text("name")
                return FormField(
                    name: name, label: try field.optionalText("label") ?? name, type: try field.choice("type"),
                    required: try field.optionalBool("required") ?? false,
                    options: try field.optionalArray("options", DocumentObject.text))
            })
    }

    func write(to text: inout JSONText) {
        text.beginObject()
        text.key("fields")
        text.beginArray()
        for field in fields {
            text.beginObject()
            text.key("name"); text.string(field.name)
            text.key("label"); text.string(field.label)
            text.key("type"); text.string(field.type.rawValue)
            text.key("required"); text.bool(field.required)
            if let options = field.options { text.key("options"); text.strings(options) }
            text.endObject()
        }
        text.endArray()
        text.endObject()
    }
}

extension JumioSettings {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(
            dataCenter: try document.choice("dataCenter"), workflowType: try document.choice("workflowType"),
            clientID: try document.optionalText("clientID"), sealedSecret: try document.optionalText("sealedSecret"),
            connectionID: try document.optionalID("connectionID"))
    }

    func write(to text: inout JSONText) {
        text.beginObject()
        text.key("dataCenter"); text.string(dataCenter.rawValue)
        text.key("workflowType"); text.string(workflowType.rawValue)
        if let clientID { text.key("clientID"); text.string(clientID) }
        if let sealedSecret { text.key("sealedSecret"); text.string(sealedSecret) }
        if let connectionID { text.key("connectionID"); text.id(connectionID) }
        text.endObject()
    }
}

extension VerificationState {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init()
        attempts = try document.array("attempts") { value throws(DocumentObject.Refused) in
            try VerificationAttempt(document: DocumentObject(value))
        }
        acceptedBy = try document.optionalID("acceptedBy")
        acceptanceComment = try document.optionalText("acceptanceComment")
    }

    func write(to text: inout JSONText) throws {
        text.beginObject()
        text.key("attempts")
        text.beginArray()
        for attempt in attempts { try attempt.write(to: &text) }
        text.endArray()
        if let acceptedBy { text.key("acceptedBy"); text.id(acceptedBy) }
        if let acceptanceComment { text.key("acceptanceComment"); text.string(acceptanceComment) }
        text.endObject()
    }
}

extension VerificationAttempt {
    init(document: DocumentObject) throws(DocumentObject.Refused) {
        self.init(
            id: try document.id("id"), number: try document.integer("number"), accountID: try document.text("accountID"),
            executionID: try document.text("executionID"), href: try document.text("href"),
            expiresAt: try document.date("expiresAt"), startedAt: try document.date("startedAt"))
        status = try document.choice("status")
        label = try document.optionalText("label")
        reasons = try document.array("reasons", DocumentObject.text)
        riskScore = try document.optionalNumber("riskScore")
        finishedAt = try document.optionalDate("finishedAt")
        results = try document.dictionary("results", OutputValue.init(document:))
    }

    func write(to text: inout JSONText) throws {
        text.beginObject()
        text.key("id"); text.id(id)
        text.key("number"); text.integer(number)
        text.key("accountID"); text.string(accountID)
        text.key("executionID"); text.string(executionID)
        text.key("href"); text.string(href)
        text.key("expiresAt"); try text.date(expiresAt)
        text.key("status"); text.string(status.rawValue)
        if let label { text.key("label"); text.string(label) }
        text.key("reasons"); text.strings(reasons)
        if let riskScore { text.key("riskScore"); try text.number(riskScore) }
        text.key("startedAt"); try text.date(startedAt)
        if let finishedAt { text.key("finishedAt"); try text.date(finishedAt) }
        text.key("results"); try text.outputs(results)
        text.endObject()
    }
}

extension OutputValue {
    init(document value: JSONTape.Element) throws(DocumentObject.Refused) {
        if let text = value.text {
            self = .text(text)
        } else if let number = value.number {
            self = .number(number)
        } else if let bool = value.bool {
            self = .bool(bool)
        } else {
            throw .init()
        }
    }
}

extension JSONText {
    fileprivate mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    fileprivate mutating func outputs(_ outputs: [String: OutputValue]) throws {
        beginObject()
        for (name, value) in outputs {
            key(named: name)
            switch value {
            case .text(let value): string(value)
            case .number(let value): try number(value)
            case .bool(let value): bool(value)
            }
        }
        endObject()
    }
}
