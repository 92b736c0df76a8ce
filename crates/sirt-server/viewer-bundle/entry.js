// The part of NiiVue that sirtplan's viewer (../static/viewer.js) uses, bundled by build.sh into one
// ES module with its dependencies (gl-matrix, nifti-reader-js, fflate, ...).
export { Niivue, NVImage, SLICE_TYPE, DRAG_MODE, MULTIPLANAR_TYPE, SHOW_RENDER } from '@niivue/niivue';
