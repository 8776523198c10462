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
       * this account prefetches assets only.
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

    /** Timeouts of each call to VOD and IAM. */
    timeouts?: {
      /** Opening the connection; default 5 seconds. */
      connect?: HumanDuration | string;
      /** Waiting for the answer's headers; default 15 seconds. */
      headers?: HumanDuration | string;
      /** Reading the answer's body; default 15 seconds. */
      body?: HumanDuration | string;
    };

    /** Tries per call, the first included, where a retry is safe; default 3. */
    retryAttempts?: number;

    /** Following VOD tasks until they end. */
    polling?: {
      /** How often open tasks are looked at; default 10 seconds. */
      frequency?: HumanDuration | string;
      /** First poll after VOD accepted a task; doubled after each poll. Default 5 seconds. */
      initialDelay?: HumanDuration | string;
      /** Longest wait between two polls of a task; default 5 minutes. */
      maxDelay?: HumanDuration | string;
      /** A prefetch VOD has not finished after this long is `expired`; default 24 hours. */
      expireAfter?: HumanDuration | string;
    };
  };
}
