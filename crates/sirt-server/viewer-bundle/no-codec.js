// Stands in for the numcodecs codecs (blosc, lz4, zstd: WebAssembly, about 1.4 MB) that zarrita loads
// for Zarr images: sirtplan's viewer reads no Zarr data, so they are left out of the bundle (and the
// page needs no 'wasm-unsafe-eval').
export default {
  fromConfig() {
    throw new Error('Zarr codecs are not part of the sirtplan viewer bundle');
  },
};
