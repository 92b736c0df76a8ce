// Types of the part of NiiVue (vendor/niivue.min.js, served as /static/niivue.min.js) that viewer.js
// uses, written by hand for its type check (crates/sirt-server/e2e: npm run typecheck) so that the
// minified bundle itself is not checked. NiiVue's own declarations: @niivue/niivue's
// build/niivue/index.d.ts (crates/sirt-server/viewer-bundle/node_modules after `npm ci`).

export declare const SLICE_TYPE: { AXIAL: 0; CORONAL: 1; SAGITTAL: 2; MULTIPLANAR: 3; RENDER: 4 };
export declare const DRAG_MODE: {
  none: 0; contrast: 1; measurement: 2; pan: 3; slicer3D: 4; callbackOnly: 5; roiSelection: 6;
  angle: 7; crosshair: 8; windowing: 9;
};
export declare const MULTIPLANAR_TYPE: { AUTO: 0; COLUMN: 1; GRID: 2; ROW: 3 };
export declare const SHOW_RENDER: { NEVER: 0; ALWAYS: 1; AUTO: 2 };

/** A colour table: red, green, blue, alpha (0–255) and the index of each entry. */
export interface ColorMap {
  R: number[]; G: number[]; B: number[]; A?: number[]; I?: number[]; labels?: string[];
}

export declare class NVImage {
  name: string;
  opacity: number;
  /** 0: colours from cal_min; 1: from zero, nothing drawn below cal_min; 2: translucent below. */
  colormapType: number;
  cal_min: number;
  cal_max: number;
  global_min: number;
  global_max: number;
  setColormapLabel(cm: ColorMap): void;
  static loadFromUrl(options: {
    url: string; name?: string; buffer?: ArrayBuffer; colormap?: string; opacity?: number;
    cal_min?: number; cal_max?: number;
  }): Promise<NVImage>;
}

export declare class Niivue {
  constructor(options?: Record<string, unknown>);
  gl: WebGL2RenderingContext | null;
  volumes: NVImage[];
  back: NVImage | null;
  overlays: NVImage[];
  scene: { crosshairPos: ArrayLike<number>; pan2Dxyzmm: number[] };
  opts: Record<string, unknown>;
  /** The views drawn: slice type (0 axial, 1 coronal, 2 sagittal) and place in canvas pixels. */
  screenSlices: { axCorSag: number; leftTopWidthHeight: number[] }[];
  onIntensityChange: (volume: NVImage) => void;
  onLocationChange: (data: unknown) => void;
  attachToCanvas(canvas: HTMLCanvasElement, isAntiAlias?: boolean | null): Promise<Niivue>;
  addColormap(key: string, cmap: ColorMap): void;
  updateGLVolume(): void;
  drawScene(): void;
  setSliceType(sliceType: number): Niivue;
  setPan2Dxyzmm(xyzmmZoom: number[]): void;
  resizeListener(): void;
  cleanup(): void;
  frac2mm(frac: ArrayLike<number>, volIdx?: number, isForceSliceMM?: boolean): Float32Array;
  mm2frac(mm: ArrayLike<number>, volIdx?: number, isForceSliceMM?: boolean): Float32Array;
  screenXY2mm(x: number, y: number, forceSlice?: number): Float32Array;
}
