// The review API's shapes (operators/review/src/routes/review-schemas.ts). Switch to the typed
// client's types once the review routes are in openapi.json.
export interface ReviewItem {
  id: string;
  kind: 'record' | 'dispute';
  heldFor: string[];
  contributor: string | null;
  payload: Record<string, unknown>;
  deadline: string;
  leaseExpiresAt: string;
  domains: string[];
  reasons: string[];
}

export interface ReviewerStats {
  reviewer: string;
  status: 'active' | 'suspended';
  suspendedReason: string | null;
  decisions: number;
  accuracy: number | null;
  agreement: number | null;
  goldAnswered: number;
  compared: number;
}

export interface DecisionReply {
  itemId: string;
  verdict: string;
  replay: boolean;
  state: string;
  suspended: boolean;
}
