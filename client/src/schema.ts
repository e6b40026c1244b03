// Generated from openapi.json by `npm run generate -w client` (openapi-typescript). Do not edit:
// a test fails when this file differs from what the generator writes.
export interface paths {
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The process is up */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              ok: true;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The store answers and the server is not shutting down */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              ok: true;
              store: string;
            };
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              ok: false;
              reason: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/auth/siwe/nonce': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A single-use nonce for a SIWE message */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              nonce: string;
              expiresAt: string;
              domain: string;
              uri: string;
              chainId: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/auth/siwe/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Verify a signed SIWE message and start a session (HttpOnly cookie) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            message: string;
            signature: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              address: string;
              expiresAt: string;
              csrfToken: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/auth/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Who is signed in */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              kind: string;
              address?: string;
              scope?: string;
              role?: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** End the session */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              ok: true;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Runs, newest first, filtered (pipeline, status, Datanet, created time) */
    get: {
      parameters: {
        query?: {
          pipeline?: string;
          status?: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
          datanet?: string;
          /** @description created at or after (ms since the epoch) */
          since?: number;
          /** @description created before (ms since the epoch) */
          until?: number;
          limit?: number;
          /** @description page: runs created before this run id */
          before?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              runs: {
                id: string;
                pipeline: string;
                status: string;
                datanet: string | null;
                executor: string;
                error: string | null;
                createdAt: number;
                startedAt: number | null;
                finishedAt: number | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** Launch a pipeline from configs/pipelines by name; parameters validated as `datanet validate` does */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            pipeline: string;
            /** @default {} */
            params?: {
              [key: string]: string;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              runId: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A run with its steps, attempts, events and logs */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              run: {
                id: string;
                pipeline: string;
                status: string;
                datanet: string | null;
                executor: string;
                error: string | null;
                createdAt: number;
                startedAt: number | null;
                finishedAt: number | null;
                file: string;
                params: {
                  [key: string]: unknown;
                };
              };
              steps: {
                [key: string]: unknown;
              }[];
              attempts: {
                [key: string]: unknown;
              }[];
              events: {
                id: number;
                stepId: string | null;
                ts: number;
                level: string;
                type: string;
                message: string;
                fields: {
                  [key: string]: unknown;
                } | null;
              }[];
              logs: {
                id: number;
                stepId: string | null;
                ts: number;
                level: string;
                type: string;
                message: string;
                fields: {
                  [key: string]: unknown;
                } | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Live run events (Server-Sent Events; resumes after Last-Event-ID) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a run executing on this server, a waiting run or a distributed run (it stays resumable) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              cancelling: true;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume a failed or cancelled run: finished steps are kept */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              runId: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/steps/{step}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Retry a failed step of a run (and the steps after it); finished steps are kept */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          step: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              runId: string;
              step: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
              diagnostics?: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/auth/roles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's roles per scope (a Datanet id, or '*' for the deployment) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              kind: string;
              address: string | null;
              roles: {
                scope: string;
                role: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/roles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's role grants (from its YAML or granted here) and the record of grants and revocations, newest first */
    get: {
      parameters: {
        query?: {
          limit?: number;
          /** @description page: events before this event id */
          before?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              grants: {
                address: string;
                role: string;
                /** @description 'grant' (granted through the API, revocable there) or where configuration granted it (the Datanet's YAML) */
                source: string;
                grantedAt: number;
                grantedBy: string | null;
              }[];
              events: {
                id: number;
                address: string;
                role: string;
                /** @enum {string} */
                action: 'grant' | 'revoke';
                by: string;
                at: number;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    /** Grant a role on a Datanet to an address (owners only); recorded with who and when */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            address: string;
            /** @enum {string} */
            role: 'reviewer' | 'steward' | 'owner';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              granted: false;
              message: string;
            };
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              granted: true;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/roles/{address}/{role}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke a role granted on a Datanet (owners only); recorded with who and when. Grants from the Datanet's YAML are changed there */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          address: string;
          role: 'reviewer' | 'steward' | 'owner';
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              revoked: true;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/pipelines': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Pipelines under configs/pipelines that can be launched, with their parameters (for a launch form) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              pipelines: {
                name: string;
                description: string | null;
                steps: number;
                parameters: {
                  name: string;
                  type: string;
                  default?: unknown;
                  description: string | null;
                  enum: unknown[] | null;
                }[];
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/graph': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The run's DAG as the pipeline it kept declares it: steps, operator types and upstream steps */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              steps: {
                id: string;
                uses: string | null;
                description: string | null;
                needs: string[];
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/runs/{id}/steps/{step}/outputs/{output}/preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The first rows of a step's table output (DuckDB over its Parquet; at most 200 rows, long cells cut) */
    get: {
      parameters: {
        query?: {
          limit?: number;
        };
        header?: never;
        path: {
          id: string;
          step: string;
          output: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              columns: {
                name: string;
                type: string;
              }[];
              rows: unknown[][];
              numRows: number;
              limit: number;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/disputes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's disputes, paged: oldest first (order=desc: newest first), with the total */
    get: {
      parameters: {
        query?: {
          status?: 'open' | 'upheld' | 'dismissed' | 'moot';
          contribution?: string;
          /** @description by opening time, then id */
          order?: 'asc' | 'desc';
          page?: number;
          pageSize?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              disputes: {
                id: string;
                datanet: string;
                contributionId: string;
                /** @description owner of the disputed contribution */
                contributor: string;
                filer: string;
                filerRole: string;
                /** @enum {string} */
                reason: 'incorrect' | 'duplicate' | 'licence' | 'consent' | 'poisoning';
                duplicateOf: string | null;
                evidence: string;
                /**
                 * @description moot: another dispute revoked the contribution first; closed without a decision, counted neither for nor against the filer
                 * @enum {string}
                 */
                status: 'open' | 'upheld' | 'dismissed' | 'moot';
                openedAt: number;
                resolvedAt: number | null;
                resolvedBy: string | null;
                resolvedVia: string | null;
                resolutionNote: string | null;
              }[];
              total: number;
              page: number;
              pageSize: number;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    /** Dispute an accepted contribution (reason code and evidence); the review quorum or a steward decides */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            contribution: string;
            /** @enum {string} */
            reason: 'incorrect' | 'duplicate' | 'licence' | 'consent' | 'poisoning';
            duplicateOf?: string;
            evidence: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dispute: {
                id: string;
                datanet: string;
                contributionId: string;
                /** @description owner of the disputed contribution */
                contributor: string;
                filer: string;
                filerRole: string;
                /** @enum {string} */
                reason: 'incorrect' | 'duplicate' | 'licence' | 'consent' | 'poisoning';
                duplicateOf: string | null;
                evidence: string;
                /**
                 * @description moot: another dispute revoked the contribution first; closed without a decision, counted neither for nor against the filer
                 * @enum {string}
                 */
                status: 'open' | 'upheld' | 'dismissed' | 'moot';
                openedAt: number;
                resolvedAt: number | null;
                resolvedBy: string | null;
                resolvedVia: string | null;
                resolutionNote: string | null;
              };
              created: boolean;
              queued: boolean;
            };
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dispute: {
                id: string;
                datanet: string;
                contributionId: string;
                /** @description owner of the disputed contribution */
                contributor: string;
                filer: string;
                filerRole: string;
                /** @enum {string} */
                reason: 'incorrect' | 'duplicate' | 'licence' | 'consent' | 'poisoning';
                duplicateOf: string | null;
                evidence: string;
                /**
                 * @description moot: another dispute revoked the contribution first; closed without a decision, counted neither for nor against the filer
                 * @enum {string}
                 */
                status: 'open' | 'upheld' | 'dismissed' | 'moot';
                openedAt: number;
                resolvedAt: number | null;
                resolvedBy: string | null;
                resolvedVia: string | null;
                resolutionNote: string | null;
              };
              created: boolean;
              queued: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/disputes/{dispute}/resolution': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A steward upholds (revokes the contribution, lowers standing) or dismisses a dispute; once */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          dispute: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            decision: 'upheld' | 'dismissed';
            note?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dispute: {
                id: string;
                datanet: string;
                contributionId: string;
                /** @description owner of the disputed contribution */
                contributor: string;
                filer: string;
                filerRole: string;
                /** @enum {string} */
                reason: 'incorrect' | 'duplicate' | 'licence' | 'consent' | 'poisoning';
                duplicateOf: string | null;
                evidence: string;
                /**
                 * @description moot: another dispute revoked the contribution first; closed without a decision, counted neither for nor against the filer
                 * @enum {string}
                 */
                status: 'open' | 'upheld' | 'dismissed' | 'moot';
                openedAt: number;
                resolvedAt: number | null;
                resolvedBy: string | null;
                resolvedVia: string | null;
                resolutionNote: string | null;
              };
              resolved: boolean;
              /** @description this resolution revoked the contribution and lowered its owner standing */
              revocation?: {
                contribution: string;
                contributor: string;
                standingBefore: number;
                standingAfter: number;
              };
              /** @description upheld, but the contribution was revoked before (by byDispute): nothing was revoked or lowered again */
              alreadyRevoked?: {
                contribution: string;
                contributor: string;
                revokedAt: number;
                byDispute: string | null;
                reason: string;
              };
              /** @description the contribution's other open disputes this revocation closed (status moot; out of the review queue) */
              closedAsMoot?: string[];
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The Datanet's append-only audit log (who decided what, hash-chained), in chain order */
    get: {
      parameters: {
        query?: {
          after?: number;
          limit?: number;
          kind?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                datanet: string;
                seq: number;
                key: string | null;
                at: number;
                actor: string;
                kind: string;
                subject: string;
                payload: unknown;
                payloadHash: string;
                prevHash: string;
                hash: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Recompute the audit chain from the store (the CLI `datanet audit verify` also checks the on-chain heads) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              ok: boolean;
              entries: number;
              head: {
                seq: number;
                hash: string;
              } | null;
              firstBad: {
                seq: number;
                kind: string | null;
                key: string | null;
                problem: string;
              } | null;
              heads: {
                epoch: string;
                epochNumber: string;
                seq: number;
                hash: string;
                onChain?: string | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{model}/generate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Playground: generate with an adapter (prompt <= 500 chars, <= 128 tokens) and attribute the output's spans to contributions */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          model: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            prompt: string;
            /** @default 64 */
            maxNewTokens?: number;
            /** @default 3 */
            minTokens?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              model: string;
              datasetVersion: string | null;
              prompt: string;
              output: string;
              promptTokens: number;
              outputTokens: number;
              words: number;
              spans: {
                start: number;
                end: number;
                text: string;
                count: number;
                weight: number;
                contributions: {
                  contributionId: string;
                  contributor: string;
                }[];
                contributionCount: number;
              }[];
              contributions: {
                contributionId: string;
                contributor: string;
                score: number;
              }[];
              elapsedMs: number;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Datanets served here, with their rules */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanets: {
                id: string;
                title: string | null;
                domain: string;
                description: string | null;
                modality: string;
                formats: string[];
                limits: {
                  [key: string]: unknown;
                };
                minFileBytes: number;
                licences: string[];
                consent: {
                  required: string[];
                };
                quality: {
                  ruleSets: string[];
                };
                recordSchema?: unknown;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's rules: formats, limits, licences, consent, quality rule sets */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              title: string | null;
              domain: string;
              description: string | null;
              modality: string;
              formats: string[];
              limits: {
                [key: string]: unknown;
              };
              minFileBytes: number;
              licences: string[];
              consent: {
                required: string[];
              };
              quality: {
                ruleSets: string[];
              };
              recordSchema?: unknown;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contributors/{address}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A contributor per Datanet: acceptance rate, standing, quota left today and its reset; contributions paged */
    get: {
      parameters: {
        query?: {
          datanet?: string;
          page?: number;
          pageSize?: number;
          /** @description contributions oldest first (pages stay put as new ones arrive) or newest first */
          order?: 'oldest' | 'newest';
        };
        header?: never;
        path: {
          address: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              address: string;
              datanets: {
                datanet: string;
                submittedFiles: number;
                acceptedFiles: number;
                rejectedFiles: number;
                acceptanceRate: number;
                /** @description contributions that count toward standing: accepted, neither revoked, waiting for review nor dropped */
                contributions: number;
                /** @description held in a review queue until reviewers decide (a newcomer's record, a near duplicate held there, ...): not accepted yet, so not counted toward standing, and not dropped */
                waitingForReview: number;
                /** @description revoked after a dispute; each lowers standing unless a later step had dropped it first */
                revoked: number;
                /** @description recorded at intake, then dropped by dedupe, quality or review, and not waiting for review (not counted, not a penalty) */
                dropped: number;
                /** @description from the contributions and revocations above; records waiting for review count once approved */
                standing: number;
                standingHistory: {
                  event: string;
                  ref: string;
                  standing: number;
                  at: string;
                }[];
                quota: {
                  day: string;
                  bytesUsed: number;
                  /** @description bytes an upload may still take today: the smaller of what is left of the contributor's and of the Datanet's daily bytes */
                  bytesLeft: number;
                  /**
                   * @description which daily limit bytesLeft is left of: the contributor's own, or the Datanet-wide cap when less is left of it
                   * @enum {string}
                   */
                  bytesLimit: 'dailyBytesPerContributor' | 'dailyBytesPerDatanet';
                  /** @description left today of the Datanet's daily byte cap, shared by all its contributors; null when it has none */
                  datanetBytesLeft: number | null;
                  filesUsed: number;
                  filesLeft: number | null;
                  resetsAt: string;
                };
              }[];
              contributions: {
                page: number;
                pageSize: number;
                total: number;
                items: {
                  id: string;
                  datanet: string;
                  submissionId: string;
                  sourceFile: string;
                  recordIndex: number;
                  acceptedAt: number;
                  revokedAt: number | null;
                  droppedAt: number | null;
                  /** @description the step that dropped it and why, e.g. "quality.filter: gopher_min_words" */
                  dropReason: string | null;
                  /** @description held in a review queue until reviewers decide, and why (newcomer, audit, near_duplicate, ...); null when not held */
                  waitingForReview: string[] | null;
                }[];
              };
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's dataset versions, oldest first */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              versions: {
                datanet: string;
                version: number;
                parentVersion: number | null;
                kind: string;
                merkleRoot: string;
                manifestDigest: string;
                datasetDigest: string;
                croissantDigest: string | null;
                rowCount: number;
                contributionCount: number;
                createdRun: string | null;
                createdAt: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/datasets/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One dataset version: its manifest (files, counts, Merkle root; not the contribution list) and its Croissant metadata */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          version: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              version: number;
              parentVersion: number | null;
              kind: string;
              merkleRoot: string;
              manifestDigest: string;
              datasetDigest: string;
              croissantDigest: string | null;
              rowCount: number;
              contributionCount: number;
              createdRun: string | null;
              createdAt: string;
              manifest: {
                [key: string]: unknown;
              };
              croissant: {
                [key: string]: unknown;
              } | null;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/datasets/{version}/proofs/{contribution}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A contribution's inclusion proof in a dataset version (OpenZeppelin StandardMerkleTree leaf, proof and root) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          version: number;
          contribution: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              contributionId: string;
              contributor: string;
              leafTypes: string[];
              leafValues: string[];
              leaf: string;
              proof: string[];
              root: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/datasets/{version}/query': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Read-only SQL (one SELECT) over a dataset version's views dataset and contributions; at most 1000 rows, 5 s */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          version: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            sql: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dataset: string;
              columns: string[];
              rows: unknown[][];
              truncated: boolean;
              maxRows: number;
              elapsedMs: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/submissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Submit files: multipart, first a field "manifest" (the signed submission JSON), then one file part per manifest entry */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              submissionId: string;
              datanet: string;
              contributor: string;
              receivedAt: string;
              entry: string;
              files: number;
              bytes: number;
              status: string;
              rejectedFiles?: {
                file: string;
                reasonCode: string;
                message: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              submissionId: string;
              datanet: string;
              contributor: string;
              receivedAt: string;
              entry: string;
              files: number;
              bytes: number;
              status: string;
              rejectedFiles?: {
                file: string;
                reasonCode: string;
                message: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/submissions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A submission's fate: received, then per file accepted or rejected with reason */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              submissionId: string;
              /** @enum {string} */
              status: 'received' | 'decided';
              receipt: {
                [key: string]: unknown;
              } | null;
              files: {
                name: string;
                status: string;
                reasonCode: string | null;
                message: string | null;
                size: number;
              }[];
              /** @description records refused at intake, dropped by a later step of the pipeline, or revoked after a dispute */
              rejections: {
                file: string;
                recordIndex: number;
                reasonCode: string;
                message: string;
                duplicateOf: string | null;
                /** @description 'intake', or the later step that dropped the record after intake had recorded it (dedupe.exact, dedupe.minhash, dedupe.reuse, quality.filter, review), or 'dispute' for a revoked contribution */
                step: string;
              }[];
              /** @description records that stand: recorded as contributions, not dropped by a later step, not revoked, not waiting for review */
              accepted: number;
              /** @description records held for human review, with why (newcomer, low_standing, low_quality, near_duplicate, exposure, audit): they stand or are rejected once reviewers decide */
              pending: {
                file: string;
                recordIndex: number;
                heldFor: string[];
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/signing-domain': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The EIP-712 domain and types a submission to this Datanet on this deployment is signed with (eth_signTypedData_v4) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              format: 'datanet-submission/2';
              /** @enum {string} */
              primaryType: 'Submission';
              domain: {
                name: string;
                version: string;
                chainId: number;
                salt: string;
              };
              types: {
                [key: string]: {
                  name: string;
                  type: string;
                }[];
              };
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/preflight': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** What intake would decide for these files and why (format, size, terms, schema, duplicates, quality), storing nothing */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              /** @enum {string} */
              decision: 'accepted' | 'partial' | 'rejected';
              reasonCode: string | null;
              message: string | null;
              files: {
                name: string;
                size: number;
                /** @enum {string} */
                decision: 'accepted' | 'rejected';
                reasonCode: string | null;
                message: string | null;
                records: {
                  index: number;
                  where: string;
                  /** @enum {string} */
                  decision: 'accepted' | 'rejected';
                  reasonCode: string | null;
                  message: string | null;
                  duplicateOf: string | null;
                  quality: {
                    rule: string;
                    message: string;
                  }[];
                }[];
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contributors/{address}/submissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A contributor's submissions, newest first, paged (private: the address itself, or stewards of ?datanet=) */
    get: {
      parameters: {
        query?: {
          datanet?: string;
          page?: number;
          pageSize?: number;
        };
        header?: never;
        path: {
          address: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description what became of the records of all these submissions, counted as GET /v1/submissions/{id} counts each submission's (accepted, pending, rejections by step) */
              records: {
                /** @description recorded at intake, not dropped by a later step, not revoked, not waiting for review */
                standing: number;
                /** @description held in a review queue until reviewers decide (a near duplicate held there included): not dropped */
                waitingForReview: number;
                /** @description dropped after intake by a later step (dedupe, quality, a review rejection): not counted */
                dropped: number;
                /** @description revoked after a dispute */
                revoked: number;
              };
              total: number;
              page: number;
              pageSize: number;
              items: {
                id: string;
                datanet: string;
                receivedAt: number;
                /** @enum {string} */
                status: 'received' | 'decided';
                files: number | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/commits': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's on-chain commits per epoch: dataset, contributions, model and settlement roots, transactions */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              commits: {
                datanet: string;
                epoch: number;
                chainId: string;
                registry: string;
                datasetRoot: string;
                contributionsRoot: string;
                modelHash: string;
                settlementRoot: string;
                txHash: string | null;
                blockNumber: number | null;
                distributor: string | null;
                rewardTotal: string | null;
                fundTxHash: string | null;
                createdAt: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contributors/{address}/rewards': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A contributor's reward statements per epoch: amount, Merkle proof, the epoch's commit and the claim calldata */
    get: {
      parameters: {
        query?: {
          datanet?: string;
        };
        header?: never;
        path: {
          address: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              address: string;
              statements: {
                datanet: string;
                epoch: string;
                epochNumber: string;
                index: number;
                amount: string;
                root: string;
                proof: string[];
                commit: {
                  datanet: string;
                  epoch: number;
                  chainId: string;
                  registry: string;
                  datasetRoot: string;
                  contributionsRoot: string;
                  modelHash: string;
                  settlementRoot: string;
                  txHash: string | null;
                  blockNumber: number | null;
                  distributor: string | null;
                  rewardTotal: string | null;
                  fundTxHash: string | null;
                  createdAt: string;
                } | null;
                claim: {
                  to: string | null;
                  data: string;
                };
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/rpc': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The embedded chain's JSON-RPC 2.0 (batches of up to 50): reads and eth_sendRawTransaction
     * @description Served in the embedded profile only (404 not_available otherwise). Public, 300 requests a minute per caller. Served: web3_clientVersion, net_version, net_listening, eth_chainId, eth_syncing, eth_blockNumber, eth_gasPrice, eth_maxPriorityFeePerGas, eth_feeHistory, eth_getBalance, eth_getCode, eth_getStorageAt, eth_getTransactionCount, eth_getBlockByNumber, eth_getBlockByHash, eth_getTransactionByHash, eth_getTransactionReceipt, eth_getLogs, eth_call, eth_estimateGas, eth_sendRawTransaction. Refused with a JSON-RPC error -32601 naming the reason (HTTP 403 for a single request): hardhat_*, evm_*, debug_*, personal_*, eth_sign*, eth_accounts and eth_sendTransaction (the node signs for no caller).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json':
            | {
                /** @enum {string} */
                jsonrpc: '2.0';
                id?: string | number | null;
                method: string;
                params?:
                  | unknown[]
                  | {
                      [key: string]: unknown;
                    };
              }
            | {
                /** @enum {string} */
                jsonrpc: '2.0';
                id?: string | number | null;
                method: string;
                params?:
                  | unknown[]
                  | {
                      [key: string]: unknown;
                    };
              }[];
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              | {
                  /** @enum {string} */
                  jsonrpc: '2.0';
                  id: string | number | null;
                  result?: unknown;
                  error?: {
                    code: number;
                    message: string;
                    data?: unknown;
                  };
                }
              | {
                  /** @enum {string} */
                  jsonrpc: '2.0';
                  id: string | number | null;
                  result?: unknown;
                  error?: {
                    code: number;
                    message: string;
                    data?: unknown;
                  };
                }[];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              jsonrpc: '2.0';
              id: string | number | null;
              result?: unknown;
              error?: {
                code: number;
                message: string;
                data?: unknown;
              };
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/chain/faucet': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Embedded profile only: tops the signed-in wallet's own address up to 1 ETH of gas money on the embedded chain
     * @description The embedded chain is a local development chain whose ether has no value; contributors need some to send their claim. Only the address of the SIWE session is funded (an API token has none: 400 no_wallet), at most 5 times a minute. 404 not_available outside the embedded profile.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              address: string;
              chainId: number;
              balance: string;
              txHash: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/report': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Steward report: contributors (acceptance, standing, rejections), rejection reasons (also per day), duplicate clusters, quality scores and rule pass rates */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              kind: 'datanet.quality-report';
              version: number;
              datanet: string;
              runId: string | null;
              generatedAt: string;
              totals: {
                submittedFiles: number | null;
                acceptedFiles: number | null;
                rejectedFiles: number | null;
                acceptanceRate: number | null;
                acceptedRecords: number;
                intakeRejections: number;
                duplicates: number;
                qualityRejected: number;
                keptRecords: number;
              };
              contributors: {
                contributor: string;
                submittedFiles: number | null;
                acceptedFiles: number | null;
                rejectedFiles: number | null;
                acceptanceRate: number;
                /** @enum {string} */
                acceptanceBasis: 'files' | 'records';
                acceptedRecords: number;
                intakeRejections: number;
                duplicates: number;
                qualityRejected: number;
                revoked: number;
                standing: number;
              }[];
              rejectionReasons: {
                /** @enum {string} */
                stage: 'intake' | 'dedupe' | 'quality';
                reason: string;
                count: number;
                example: string | null;
              }[];
              duplicates: {
                rows: number;
                clusters: number;
                largestCluster: number;
                ofEarlierRuns: number;
                top: {
                  clusterId: string;
                  size: number;
                  keeper: {
                    id: string;
                    contributor: string | null;
                    excerpt: string | null;
                    similarity: number | null;
                  };
                  keeperFromEarlierRun: boolean;
                  examples: {
                    id: string;
                    contributor: string | null;
                    excerpt: string | null;
                    similarity: number | null;
                  }[];
                }[];
              };
              qualityScores: {
                count: number;
                mean: number;
                median: number;
                min: number;
                max: number;
                passed: number;
                bins: {
                  from: number;
                  to: number;
                  count: number;
                }[];
              } | null;
              rules: {
                rule: string;
                family: string | null;
                threshold: number | null;
                checked: number;
                failed: number;
                passRate: number;
                firstFailure: number | null;
              }[];
              notes: string[];
              rejectionsByDay: {
                day: string;
                reason: string;
                count: number;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/review/next': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** My next items to review (held for me under a lease); gold items look like the others */
    get: {
      parameters: {
        query?: {
          limit?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: {
                id: string;
                /** @enum {string} */
                kind: 'record' | 'dispute';
                /** @description why it is held: newcomer, low_standing, low_quality, near_duplicate, exposure, audit, dispute */
                heldFor: string[];
                /** @description null when the policy blinds reviewers */
                contributor: string | null;
                /** @description the record fields; a near duplicate also has `earlier` and `similarity` */
                payload: {
                  [key: string]: unknown;
                };
                deadline: string;
                /** @description the item is reserved for you until then */
                leaseExpiresAt: string;
                domains: string[];
                /** @description reason codes a rejection may give */
                reasons: string[];
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/review/items/{item}/decision': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Decide an item handed to me while its lease is live: approve, reject (with a reason code), skip or flag (to stewards). Sent twice, recorded once; after the lease ran out or was released, 409 lease_expired (fetch the item again with next) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          item: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            verdict: 'approve' | 'reject' | 'skip' | 'flag';
            /** @description required for reject, refused with any other verdict (400 reason_not_allowed): one of the Datanet reason codes */
            reason?: string;
            note?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              itemId: string;
              verdict: string;
              /** @description the same decision was recorded before; nothing changed */
              replay: boolean;
              /** @enum {string} */
              state: 'open' | 'escalated' | 'approved' | 'rejected';
              /** @description this answer suspended your review rights */
              suspended: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/review/items/{item}/override': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A steward's decision: approves or rejects the item at once (when the policy allows overrides) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          item: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            verdict: 'approve' | 'reject';
            /** @description required for reject, refused with any other verdict (400 reason_not_allowed): one of the Datanet reason codes */
            reason?: string;
            note?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              itemId: string;
              verdict: string;
              /** @description the same decision was recorded before; nothing changed */
              replay: boolean;
              /** @enum {string} */
              state: 'open' | 'escalated' | 'approved' | 'rejected';
              /** @description this answer suspended your review rights */
              suspended: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/review/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** My figures: gold accuracy, agreement with the consensus, per day; whether my rights are suspended */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              reviewer: string;
              /** @enum {string} */
              status: 'active' | 'suspended';
              suspendedReason: string | null;
              served: number;
              decisions: number;
              /** @description gold answers; in GET review/me only those among whole windows of 20 decisions (a figure that moved with each vote would tell which item was gold) */
              goldAnswered: number;
              goldCorrect: number;
              /** @description goldCorrect / goldAnswered; null before any gold answer is counted */
              accuracy: number | null;
              compared: number;
              agreed: number;
              agreement: number | null;
              daily: {
                day: string;
                decisions: number;
                accuracy: number | null;
                agreement: number | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/review/stats': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The queue for stewards: backlog, queue age, throughput, rejection reasons, each reviewer's accuracy and agreement, batches */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              items: {
                open: number;
                escalated: number;
                approved: number;
                rejected: number;
              };
              age: {
                oldestMs: number | null;
                medianMs: number | null;
              };
              throughput: {
                decisionsLastHour: number;
                decisionsLastDay: number;
                settledLastHour: number;
                settledLastDay: number;
                decisions: number;
              };
              decisionsPerItem: number | null;
              reasons: {
                reason: string;
                count: number;
              }[];
              reviewers: {
                reviewer: string;
                /** @enum {string} */
                status: 'active' | 'suspended';
                suspendedReason: string | null;
                served: number;
                decisions: number;
                /** @description gold answers; in GET review/me only those among whole windows of 20 decisions (a figure that moved with each vote would tell which item was gold) */
                goldAnswered: number;
                goldCorrect: number;
                /** @description goldCorrect / goldAnswered; null before any gold answer is counted */
                accuracy: number | null;
                compared: number;
                agreed: number;
                agreement: number | null;
                daily: {
                  day: string;
                  decisions: number;
                  accuracy: number | null;
                  agreement: number | null;
                }[];
              }[];
              batches: {
                batch: string;
                runId: string | null;
                stepId: string | null;
                items: number;
                open: number;
                deadline: string;
                settledAt: string | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A Datanet's epochs: the proposal in force (or the final one) of each, with its challenge window */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              settlements: {
                epoch: string;
                epochNumber: string;
                version: number;
                /** @enum {string} */
                status: 'proposed' | 'superseded' | 'final';
                proposedAt: number;
                /** @description when it becomes final unless a dispute against a contribution it pays is upheld (ms) */
                finalAt: number;
                finalisedAt: number | null;
                reason: string;
                fees: string;
                contributorPool: string;
                paid: string;
                unallocated: string;
                merkleRoot: string | null;
                /** @description contributions left out because they were revoked */
                excluded: string[];
                auditHash: string | null;
                /** @description hash of the epoch's settlement.finalised audit entry, committed on-chain */
                auditRoot: string | null;
                paidSetRoot: string | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements/{epoch}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An epoch's proposals (re-settlements included) and the payouts of the one in force */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          epoch: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              epoch: string;
              current: {
                epoch: string;
                epochNumber: string;
                version: number;
                /** @enum {string} */
                status: 'proposed' | 'superseded' | 'final';
                proposedAt: number;
                /** @description when it becomes final unless a dispute against a contribution it pays is upheld (ms) */
                finalAt: number;
                finalisedAt: number | null;
                reason: string;
                fees: string;
                contributorPool: string;
                paid: string;
                unallocated: string;
                merkleRoot: string | null;
                /** @description contributions left out because they were revoked */
                excluded: string[];
                auditHash: string | null;
                /** @description hash of the epoch's settlement.finalised audit entry, committed on-chain */
                auditRoot: string | null;
                paidSetRoot: string | null;
              };
              proposals: {
                epoch: string;
                epochNumber: string;
                version: number;
                /** @enum {string} */
                status: 'proposed' | 'superseded' | 'final';
                proposedAt: number;
                /** @description when it becomes final unless a dispute against a contribution it pays is upheld (ms) */
                finalAt: number;
                finalisedAt: number | null;
                reason: string;
                fees: string;
                contributorPool: string;
                paid: string;
                unallocated: string;
                merkleRoot: string | null;
                /** @description contributions left out because they were revoked */
                excluded: string[];
                auditHash: string | null;
                /** @description hash of the epoch's settlement.finalised audit entry, committed on-chain */
                auditRoot: string | null;
                paidSetRoot: string | null;
              }[];
              /** @description payouts of the current proposal */
              payouts: {
                index: number;
                account: string;
                amount: string;
                attribution: number;
                standing: number;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements/{epoch}/receipts/{account}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A contributor's receipt: the inferences, spans or influence, weights, amount and Merkle proof behind each unit */
    get: {
      parameters: {
        query?: {
          version?: number;
        };
        header?: never;
        path: {
          id: string;
          epoch: string;
          account: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              epoch: string;
              epochNumber: string;
              /** @enum {string} */
              status: 'proposed' | 'superseded' | 'final';
              version: number;
              proposedAt: number;
              finalAt: number;
              finalisedAt: number | null;
              reason: string;
              account: string;
              /** @description base units; the lines add up to it exactly */
              amount: string;
              claim: {
                index: number;
                leaf: string;
                root: string;
                proof: string[];
              } | null;
              auditRoot: string | null;
              method: {
                name: string;
                version: string;
              };
              weights: {
                fees: string;
                splitBps: {
                  platform: number;
                  modelOwner: number;
                  stakers: number;
                  contributors: number;
                };
                contributorPool: string;
                standing: number;
                standingWeight: number;
                standingFunction: {
                  floor: number;
                  gamma: number;
                  defaultStanding: number;
                };
                attribution: number;
                weight: number;
                quota: {
                  numerator: string;
                  denominator: string;
                };
                floorQuota: string;
                largestRemainderAdjustment: string;
              };
              lines: {
                inferenceId: string;
                model: string | null;
                adapter: string | null;
                fee: string;
                contributionId: string;
                contributor: string;
                score: number;
                units: string;
                amount: string;
                excluded: boolean;
                evidence:
                  | {
                      /** @enum {string} */
                      kind: 'spans';
                      spans: {
                        text: string;
                        start: number;
                        length: number;
                        count: number | null;
                        weight: number | null;
                        /** @description [start, end) character offsets, null when not found */
                        output: [number, number] | null;
                        /** @description [start, end) character offsets, null when not found */
                        contribution: [number, number] | null;
                      }[];
                    }
                  | {
                      /** @enum {string} */
                      kind: 'influence';
                      influence: number | null;
                      method: string;
                    }
                  | {
                      /** @enum {string} */
                      kind: 'none';
                    };
                prompt: string | null;
                output: string | null;
                contributionText: string | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements/{epoch}/receipts/{account}/html': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The receipt as a self-contained HTML page (spans highlighted in the output and the contribution) */
    get: {
      parameters: {
        query?: {
          version?: number;
        };
        header?: never;
        path: {
          id: string;
          epoch: string;
          account: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': string;
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements/{epoch}/inferences/{inference}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One inference, OLMoTrace-style: its output with the attributed spans, each with the contributions it matched */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          epoch: string;
          inference: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              datanet: string;
              epoch: string;
              inferenceId: string;
              model: string | null;
              adapter: string | null;
              fee: string;
              prompt: string | null;
              output: string | null;
              spans: {
                text: string;
                /** @description [start, end) character offsets, null when not found */
                output: [number, number] | null;
                contributions: {
                  contributionId: string;
                  contributor: string;
                  account: string;
                  score: number;
                  /** @description [start, end) character offsets, null when not found */
                  offsets: [number, number] | null;
                  text: string | null;
                }[];
              }[];
              influence: {
                contributionId: string;
                contributor: string;
                account: string;
                score: number;
                method: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datanets/{id}/settlements/{epoch}/inferences/{inference}/html': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The inference view as a self-contained HTML page */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          epoch: string;
          inference: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': string;
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Adapters with their lineage, newest last */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              models: {
                id: string;
                name: string;
                version: number;
                adapterDigest: string;
                backend: string;
                method: string;
                baseModel: string;
                baseModelDigest: string;
                specHash: string;
                lineage: {
                  datasetVersion: string | null;
                  datasetRoot: string | null;
                  datasetDigest: string | null;
                  run: string | null;
                };
                metrics: {
                  [key: string]: unknown;
                };
                createdAt: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{model}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One adapter with its lineage */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          model: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              version: number;
              adapterDigest: string;
              backend: string;
              method: string;
              baseModel: string;
              baseModelDigest: string;
              specHash: string;
              lineage: {
                datasetVersion: string | null;
                datasetRoot: string | null;
                datasetDigest: string | null;
                run: string | null;
              };
              metrics: {
                [key: string]: unknown;
              };
              createdAt: string;
            };
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: string;
              message: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
