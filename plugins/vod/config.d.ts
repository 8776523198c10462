export interface Config {
  /** Huawei Cloud VOD CDN prefetch (the vod plugins). */
  vod?: {
    /** What the portal's frontend shows. */
    frontend?: {
      /**
       * Shows prefetch history and quota only: no Prefetch button. For portals that follow
       * prefetches made elsewhere (templates, other services). Default false.
       * @visibility frontend
       */
      readOnly?: boolean;
    };
  };
}
