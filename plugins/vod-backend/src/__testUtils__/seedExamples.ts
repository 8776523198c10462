// The seed's example request bodies, to the byte: an asset, and three URLs with stray spaces.

export const SEED_ASSET_BODY = `{
  "asset_id": "f488337c31c8e4622f1590735b134c65"
}`;
export const SEED_URLS_BODY =
  '{  "urls": [    "    https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/68b1241af3bf58bcde9914626e07f5af.mp4",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/play_video/68b1241af3bf58bcde9914626e07f5af_H.264_480X270_HEAACV1_300.mp4"  ]}';
