import Foundation

/// The money rules' decisions, apart from any database: given the rows of one render key on
/// one endpoint, what a process that wants it must do. Each backend reads the rows and
/// carries the plan out inside one transaction.
enum ClaimRules {
    struct Plan: Equatable {
        enum Outcome: Equatable {
            case reuse(LedgerRender)
            case follow(LedgerRender)
            case maybeSubmitted(LedgerRender)
            case takeOver(LedgerRender)
            case insert
            case ended(LedgerRender)
        }

        /// Rows to mark abandoned first (dead submits given up by --force-new; renders of a
        /// built-in sandbox that ended with its process).
        var abandon: [LedgerRender] = []
        var outcome: Outcome
    }

    /// `rendered`: the newest rendered row with a stored video; `inFlight`: every in-flight
    /// row of the key and endpoint, oldest first.
    static func plan(_ want: RenderWant, owner: LedgerOwner, rendered: LedgerRender?, inFlight: [LedgerRender],
                     now: Date = Date()) -> Plan {
        if !want.forceNew, let rendered { return Plan(outcome: .reuse(rendered)) }
        var abandon: [LedgerRender] = []
        // At most one row may still send a submit (the ledger's unique index).
        if let submitter = inFlight.first(where: { $0.state == .claimed || $0.state == .submitting }) {
            if submitter.owner == owner.id { return Plan(outcome: .takeOver(submitter)) }
            if submitter.ownerIsAlive(at: now) { return Plan(outcome: .follow(submitter)) }
            if submitter.state == .claimed { return Plan(outcome: .takeOver(submitter)) }
            guard want.forceNew || want.isEphemeral else { return Plan(outcome: .maybeSubmitted(submitter)) }
            abandon.append(submitter)
        }
        let submitted = inFlight.filter { $0.state == .submitted || $0.state == .completed }
        if want.isEphemeral {
            abandon += submitted.filter { !$0.ownerIsAlive(at: now) && $0.owner != owner.id }
        }
        let live = submitted.filter { candidate in !abandon.contains { $0.id == candidate.id } }
        if !want.forceNew, let newest = live.last {
            if newest.owner != owner.id, newest.ownerIsAlive(at: now) { return Plan(abandon: abandon, outcome: .follow(newest)) }
            return Plan(abandon: abandon, outcome: .takeOver(newest))
        }
        return Plan(abandon: abandon, outcome: .insert)
    }

    /// `resume` of one known render: it is never submitted again from here.
    static func resume(_ render: LedgerRender, owner: LedgerOwner, ephemeral: Bool, now: Date = Date()) -> Plan {
        let mine = render.owner == owner.id
        switch render.state {
        case .rendered:
            return Plan(outcome: .reuse(render))
        case .claimed, .submitting, .submitted, .completed:
            if !mine, render.ownerIsAlive(at: now) { return Plan(outcome: .follow(render)) }
            if ephemeral { return Plan(abandon: [render], outcome: .ended(render)) }
            switch render.state {
            case .claimed: return Plan(outcome: .ended(render))
            case .submitting: return Plan(outcome: .maybeSubmitted(render))
            default: return Plan(outcome: .takeOver(render))
            }
        case .refused, .failed, .expired, .abandoned:
            return Plan(outcome: .ended(render))
        }
    }
}
