import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stateOf, tallyVotes, votesNeeded, type QuorumRule, type Verdict, type Vote } from '../src/rule/decision-rule.js';

const REVIEWERS = ['0xa1', '0xb2', '0xc3', '0xd4', '0xe5', '0xf6'];
const CONTRIBUTOR = '0xc0';

const vote = fc.record({
  reviewer: fc.constantFrom(...REVIEWERS, CONTRIBUTOR, '0xA1'),
  verdict: fc.constantFrom<Verdict>('approve', 'reject', 'skip', 'flag'),
  reason: fc.option(fc.constantFrom('incorrect', 'unsafe'), { nil: undefined }),
});
const rule = fc.record({
  minApprovals: fc.integer({ min: 1, max: 4 }),
  minRejections: fc.integer({ min: 1, max: 4 }),
  stewardOverride: fc.boolean(),
});

/**
 * Common Voice's rule as published: a clip is valid when upvotes >= 2 and upvotes > downvotes,
 * invalid when downvotes >= 2 and downvotes > upvotes, and stays queued otherwise. Written
 * independently of the implementation, over the plain vote sequence (one vote per person).
 */
function commonVoice(votes: ('up' | 'down')[]): 'valid' | 'invalid' | 'queued' {
  let up = 0;
  let down = 0;
  for (const v of votes) {
    if (v === 'up') up++;
    else down++;
    if (up >= 2 && up > down) return 'valid';
    if (down >= 2 && down > up) return 'invalid';
  }
  return 'queued';
}

describe('the review decision rule (property tests)', () => {
  it('never approves and rejects a record at once, and its state is a function of the counted votes', () => {
    fc.assert(
      fc.property(fc.array(vote, { maxLength: 30 }), rule, (votes, r) => {
        const t = tallyVotes(votes, r, [CONTRIBUTOR]);
        const approved = t.state === 'approved';
        const rejected = t.state === 'rejected';
        expect(approved && rejected).toBe(false);
        if (approved) expect(t.approvals >= r.minApprovals && t.approvals > t.rejections).toBe(true);
        if (rejected) expect(t.rejections >= r.minRejections && t.rejections > t.approvals).toBe(true);
        expect(stateOf(t.approvals, t.rejections, r)).toBe(t.state);
      }),
      { numRuns: 2000 },
    );
  });

  it("never counts a vote of the record's contributor, nor two votes of one reviewer (any letter case)", () => {
    fc.assert(
      fc.property(fc.array(vote, { maxLength: 30 }), rule, (votes, r) => {
        const t = tallyVotes(votes, r, [CONTRIBUTOR]);
        const who = t.counted.map((v) => v.reviewer.toLowerCase());
        expect(who).not.toContain(CONTRIBUTOR);
        expect(new Set(who).size).toBe(who.length);
        expect(t.approvals + t.rejections).toBe(t.counted.length);
        // Adding the contributor's votes or repeating a reviewer's vote changes nothing.
        const noisy: Vote[] = votes.flatMap((v) => [
          v,
          { ...v, verdict: v.verdict === 'approve' ? 'reject' : 'approve' },
          { reviewer: CONTRIBUTOR, verdict: 'approve' },
        ]);
        const t2 = tallyVotes(noisy, r, [CONTRIBUTOR]);
        expect(t2.state).toBe(t.state);
        expect([t2.approvals, t2.rejections]).toEqual([t.approvals, t.rejections]);
      }),
      { numRuns: 1000 },
    );
  });

  it("matches Common Voice's rule on every vote sequence (minApprovals = minRejections = 2)", () => {
    const cv: QuorumRule = { minApprovals: 2, minRejections: 2, stewardOverride: false };
    fc.assert(
      fc.property(fc.array(fc.constantFrom<'up' | 'down'>('up', 'down'), { maxLength: 40 }), (seq) => {
        const votes: Vote[] = seq.map((v, i) => ({ reviewer: `0x${i.toString(16)}`, verdict: v === 'up' ? 'approve' : 'reject' }));
        const expected = commonVoice(seq);
        const got = tallyVotes(votes, cv).state;
        expect(got).toBe(expected === 'valid' ? 'approved' : expected === 'invalid' ? 'rejected' : 'open');
      }),
      { numRuns: 3000 },
    );
    // And exhaustively for every sequence of up to 10 votes.
    for (let n = 0; n <= 10; n++)
      for (let mask = 0; mask < 1 << n; mask++) {
        const seq = Array.from({ length: n }, (_, i) => ((mask >> i) & 1 ? 'up' : 'down') as 'up' | 'down');
        const votes: Vote[] = seq.map((v, i) => ({ reviewer: `r${i}`, verdict: v === 'up' ? 'approve' : 'reject' }));
        const expected = commonVoice(seq);
        expect(tallyVotes(votes, cv).state).toBe(expected === 'valid' ? 'approved' : expected === 'invalid' ? 'rejected' : 'open');
      }
  });

  it('asks for no more reviewers than the votes that could still decide the record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), rule, (a, rj, r) => {
        const need = votesNeeded(a, rj, r);
        if (stateOf(a, rj, r) !== 'open') {
          expect(need).toBe(0);
          return;
        }
        expect(need).toBeGreaterThanOrEqual(1);
        // `need` votes of one kind decide it; fewer votes of any mix do not.
        const decides = stateOf(a + need, rj, r) !== 'open' || stateOf(a, rj + need, r) !== 'open';
        expect(decides).toBe(true);
        for (let k = 0; k < need; k++) {
          expect(stateOf(a + k, rj, r)).toBe('open');
          expect(stateOf(a, rj + k, r)).toBe('open');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a steward's override decides at once when the policy allows it, and not otherwise", () => {
    fc.assert(
      fc.property(
        fc.array(vote, { maxLength: 10 }),
        fc.constantFrom<Verdict>('approve', 'reject'),
        fc.boolean(),
        (votes, verdict, allowed) => {
          const r: QuorumRule = { minApprovals: 50, minRejections: 50, stewardOverride: allowed };
          const t = tallyVotes([...votes, { reviewer: '0x5e', verdict, override: true, reason: 'unsafe' }], r, [CONTRIBUTOR]);
          if (allowed) {
            expect(t.state).toBe(verdict === 'approve' ? 'approved' : 'rejected');
            expect(t.overriddenBy).toBe('0x5e');
          } else expect(t.state).toBe('open');
        },
      ),
    );
  });
});
