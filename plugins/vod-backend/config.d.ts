import type { HumanDuration } from '@backstage/types';

export interface Config {
  /** Huawei Cloud VOD CDN prefetch (the vod plugin). */
  vod?: {
    /** The account used when a request names none; default: the first account. */
    defaultAccount?: string;

    /** The VOD accounts (tenants/projects) the portal may prefetch with. */
    accounts: Array<{
      /** Name callers use to pick this account, e.g. `main`. Letters, digits, `-`, `_`. */
      name: string;
      /** VOD endpoint, e.g. https://vod.cn-north-4.myhuaweicloud.com (in dev: the simulator). */
      endpoint: string;
      /** The project id in VOD's paths, `/v1.0/{project_id}/asset/preheating`. */
      projectId: string;
      /**
       * AK of AK/SK request signing. Give either accessKeyId + secretAccessKey, or iam.
       * @visibility secret
       */
      accessKeyId?: string;
      /**
       * SK of AK/SK request signing.
       * @visibility secret
       */
      secretAccessKey?: string;
      /**
       * Security token of temporary AK/SK credentials; sent as X-Security-Token.
       * @visibility secret
       */
      securityToken?: string;
      /** IAM user token authentication (X-Auth-Token), instead of AK/SK. */
      iam?: {
        /** IAM endpoint, e.g. https://iam.cn-north-4.myhuaweicloud.com */
        endpoint: string;
        /** The IAM user's account (domain) name. */
        domainName: string;
        /** The IAM user name. */
        userName: string;
        /**
         * The IAM user's password.
         * @visibility secret
         */
        password: string;
      };
      /** Prefetched assets (or URLs) per quota day; default 1000, VOD's own limit. */
      dailyQuota?: number;
      /**
       * URL prefixes a URL prefetch may use, e.g. https://cdn.example.com/asset/. Without any,
       * this account prefetches assets only. Each is parsed at start-up (an unusable one stops
       * the backend, naming its key) and URLs are compared with it by scheme, host, port and
       * whole path segments: `https://cdn.example.com/asset` covers `/asset/…`, never
       * `/assets/…`; `https://cdn.example.com` never covers `cdn.example.com.evil.net`.
       */
      allowedUrlPrefixes?: string[];
      /** Calls per rolling minute VOD accepts; defaults are the lower of Huawei's figures. */
      rateLimit?: {
        /** Prefetch creates per minute; default 10. */
        createsPerMinute?: number;
        /** Prefetch queries per minute; default 100. */
        queriesPerMinute?: number;
      };
    }>;

    /** IANA time zone of the quota day; default Asia/Shanghai (VOD's GMT+08:00). */
    quotaTimeZone?: string;

    /** Most URLs one prefetch may list (split into calls of 10); default 100. */
    maxUrlsPerPrefetch?: number;

    /**
     * How long a user's permission decision (per sign-in, permission and entity) and an entity's
     * annotations read from the catalog are reused; default 5 seconds, `{ seconds: 0 }` asks
     * every time. A revoked permission or a changed annotation takes effect within this time.
     */
    cacheTtl?: HumanDuration | string;

    /**
     * Longest a permission decision or a catalog lookup may take; past it the request fails with
     * 503 instead of waiting. Default 10 seconds.
     */
    lookupTimeout?: HumanDuration | string;

    /** Timeouts of each call to VOD and IAM. */
    timeouts?: {
      /** Opening the connection; default 5 seconds. */
      connect?: HumanDuration | string;
      /** Waiting for the answer's headers; default 15 seconds. */
      headers?: HumanDuration | string;
      /** Reading the answer's body; default 15 seconds. */
      body?: HumanDuration | string;
    };

    /**
     * Tries per VOD task query, the first included; default 3. A create is sent once: what a
     * failure means for it is decided by the dispatcher, which never sends twice what VOD may
     * have received.
     */
    retryAttempts?: number;

    /**
     * A prefetch that could not be sent to VOD within this time of being asked for (VOD
     * unreachable, credentials refused, a long backlog) is given up as `expired` and its quota
     * given back. Default 24 hours.
     */
    queueTimeout?: HumanDuration | string;

    /** How long an Idempotency-Key is remembered; default 24 hours. */
    idempotencyKeyTtl?: HumanDuration | string;

    /**
     * Ended prefetches last changed longer ago than this are deleted (hourly). Default: kept
     * forever.
     */
    retention?: HumanDuration | string;

    /** The seed-compatible routes, `/v1.0/{project_id}/asset/preheating`. */
    seedRoutes?: {
      /**
       * Longest a create's caller waits for it to be sent to VOD; past it, the prefetch is given
       * up unsent (429 with Retry-After). Default 10 seconds.
       */
      maxWait?: HumanDuration | string;
      /**
       * The seed query answers from the portal's records while they are younger than this, and
       * asks VOD live otherwise (only in a spare query slot: half the account's query rate is
       * kept for following prefetches). Default 10 seconds.
       */
      queryMaxAge?: HumanDuration | string;
      /**
       * Identical seed creates (same caller, project and body) within this time are one prefetch,
       * answered as the first was, so a client retrying after a 5xx never prefetches twice. An
       * Idempotency-Key replaces this. Default 10 minutes.
       */
      retryWindow?: HumanDuration | string;
    };

    /** Following VOD tasks until they end. */
    polling?: {
      /** How often open tasks are looked at; default 10 seconds. */
      frequency?: HumanDuration | string;
      /** First poll after VOD accepted a task; doubled after each poll. Default 5 seconds. */
      initialDelay?: HumanDuration | string;
      /** Longest wait between two polls of a task; default 5 minutes. */
      maxDelay?: HumanDuration | string;
      /**
       * A prefetch VOD has not finished this long after it accepted it is `expired`; default 24
       * hours.
       */
      expireAfter?: HumanDuration | string;
    };
  };
}
