/**
 * World country shapes for the map, from world-atlas's Natural Earth 1:110m TopoJSON (bundled, never
 * fetched). TopoJSON shares borders between neighbours as arcs; ECharts wants GeoJSON, so the few
 * dozen lines below decode it (quantised, delta-encoded arcs, stitched into rings) instead of adding a
 * second dependency. Countries are named by ISO 3166 alpha-2 code, the code the API's `country`
 * breakdown uses, so series data joins the shapes by name.
 */

type Position = [number, number]
type Ring = Position[]

interface TopoGeometry {
  type: string
  id?: string | number
  properties?: { name?: string }
  arcs?: number[][] | number[][][]
}

/** The parts of a TopoJSON topology this decoder reads. */
export interface Topology {
  type: 'Topology'
  transform?: { scale: [number, number]; translate: [number, number] }
  arcs: number[][][]
  objects: Record<string, { type: string; geometries: TopoGeometry[] }>
}

export interface CountryFeature {
  type: 'Feature'
  id: string
  properties: { name: string }
  geometry: { type: 'MultiPolygon'; coordinates: Ring[][] }
}

export interface CountryCollection {
  type: 'FeatureCollection'
  features: CountryFeature[]
}

/**
 * ISO 3166-1 numeric → alpha-2 for every country in the 1:110m file. Three shapes there have no code:
 * Kosovo gets XK (the code geo databases use), Northern Cyprus and Somaliland join Cyprus and Somalia,
 * where IP geolocation places their visitors.
 */
const ALPHA2: Record<string, string> = {
  '004': 'AF', '008': 'AL', '010': 'AQ', '012': 'DZ', '024': 'AO', '031': 'AZ', '032': 'AR', '036': 'AU', '040': 'AT', '044': 'BS',
  '050': 'BD', '051': 'AM', '056': 'BE', '064': 'BT', '068': 'BO', '070': 'BA', '072': 'BW', '076': 'BR', '084': 'BZ', '090': 'SB',
  '096': 'BN', '100': 'BG', '104': 'MM', '108': 'BI', '112': 'BY', '116': 'KH', '120': 'CM', '124': 'CA', '140': 'CF', '144': 'LK',
  '148': 'TD', '152': 'CL', '156': 'CN', '158': 'TW', '170': 'CO', '178': 'CG', '180': 'CD', '188': 'CR', '191': 'HR', '192': 'CU',
  '196': 'CY', '203': 'CZ', '204': 'BJ', '208': 'DK', '214': 'DO', '218': 'EC', '222': 'SV', '226': 'GQ', '231': 'ET', '232': 'ER',
  '233': 'EE', '238': 'FK', '242': 'FJ', '246': 'FI', '250': 'FR', '260': 'TF', '262': 'DJ', '266': 'GA', '268': 'GE', '270': 'GM',
  '275': 'PS', '276': 'DE', '288': 'GH', '300': 'GR', '304': 'GL', '320': 'GT', '324': 'GN', '328': 'GY', '332': 'HT', '340': 'HN',
  '348': 'HU', '352': 'IS', '356': 'IN', '360': 'ID', '364': 'IR', '368': 'IQ', '372': 'IE', '376': 'IL', '380': 'IT', '384': 'CI',
  '388': 'JM', '392': 'JP', '398': 'KZ', '400': 'JO', '404': 'KE', '408': 'KP', '410': 'KR', '414': 'KW', '417': 'KG', '418': 'LA',
  '422': 'LB', '426': 'LS', '428': 'LV', '430': 'LR', '434': 'LY', '440': 'LT', '442': 'LU', '450': 'MG', '454': 'MW', '458': 'MY',
  '466': 'ML', '478': 'MR', '484': 'MX', '496': 'MN', '498': 'MD', '499': 'ME', '504': 'MA', '508': 'MZ', '512': 'OM', '516': 'NA',
  '524': 'NP', '528': 'NL', '540': 'NC', '548': 'VU', '554': 'NZ', '558': 'NI', '562': 'NE', '566': 'NG', '578': 'NO', '586': 'PK',
  '591': 'PA', '598': 'PG', '600': 'PY', '604': 'PE', '608': 'PH', '616': 'PL', '620': 'PT', '624': 'GW', '626': 'TL', '630': 'PR',
  '634': 'QA', '642': 'RO', '643': 'RU', '646': 'RW', '682': 'SA', '686': 'SN', '688': 'RS', '694': 'SL', '703': 'SK', '704': 'VN',
  '705': 'SI', '706': 'SO', '710': 'ZA', '716': 'ZW', '724': 'ES', '728': 'SS', '729': 'SD', '732': 'EH', '740': 'SR', '748': 'SZ',
  '752': 'SE', '756': 'CH', '760': 'SY', '762': 'TJ', '764': 'TH', '768': 'TG', '780': 'TT', '784': 'AE', '788': 'TN', '792': 'TR',
  '795': 'TM', '800': 'UG', '804': 'UA', '807': 'MK', '818': 'EG', '826': 'GB', '834': 'TZ', '840': 'US', '854': 'BF', '858': 'UY',
  '860': 'UZ', '862': 'VE', '887': 'YE', '894': 'ZM'
}
const ALPHA2_BY_NAME: Record<string, string> = { Kosovo: 'XK', 'N. Cyprus': 'CY', Somaliland: 'SO' }

/** The alpha-2 code of a shape, from its numeric id or (for the three without one) its name. */
export function alpha2Of(geometry: Pick<TopoGeometry, 'id' | 'properties'>): string | undefined {
  if (geometry.id !== undefined && geometry.id !== null) return ALPHA2[String(geometry.id).padStart(3, '0')]
  const name = geometry.properties?.name
  return name ? ALPHA2_BY_NAME[name] : undefined
}

/** Every arc as absolute longitude/latitude points (undoing the quantisation and delta encoding). */
function decodeArcs(topology: Topology): Ring[] {
  const [sx, sy] = topology.transform?.scale ?? [1, 1]
  const [tx, ty] = topology.transform?.translate ?? [0, 0]
  const quantised = topology.transform !== undefined
  return topology.arcs.map((arc) => {
    let x = 0
    let y = 0
    return arc.map(([dx, dy]) => {
      if (!quantised) return [dx!, dy!] as Position
      x += dx!
      y += dy!
      return [x * sx + tx, y * sy + ty] as Position
    })
  })
}

/** A ring from arc indices: a negative index (~i) is arc i reversed; shared end points appear once. */
function ring(indices: number[], arcs: Ring[]): Ring {
  const points: Ring = []
  for (const index of indices) {
    const arc = index < 0 ? [...arcs[~index]!].reverse() : arcs[index]!
    arc.forEach((point, k) => {
      if (k > 0 || points.length === 0) points.push(point)
    })
  }
  return points
}

/** The ring with longitudes made continuous: a step of more than 180° is a crossing of the antimeridian. */
function unwrap(points: Ring): Ring {
  const out: Ring = []
  let shift = 0
  points.forEach(([lon, lat], i) => {
    if (i > 0) {
      const step = lon + shift - out[i - 1]![0]
      if (step > 180) shift -= 360
      else if (step < -180) shift += 360
    }
    out.push([lon + shift, lat])
  })
  return out
}

/** The part of a ring on one side of the meridian `x` (Sutherland–Hodgman against one line), closed. */
function clipAt(points: Ring, x: number, keepWest: boolean): Ring {
  const inside = (p: Position) => (keepWest ? p[0] <= x : p[0] >= x)
  const cross = (a: Position, b: Position): Position => [x, a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0])]
  const out: Ring = []
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!
    const b = points[i + 1]!
    if (inside(a)) out.push(a)
    if (inside(a) !== inside(b)) out.push(cross(a, b))
  }
  if (out.length > 0) out.push(out[0]!)
  return out
}

/**
 * A ring that crosses the antimeridian, as flat pieces: the atlas keeps Russia's and Fiji's shapes whole
 * across ±180°, which a flat map would draw as a band round the world. Unwrapped, the ring sticks out
 * past one edge; that part is cut off and drawn again at the other edge. A ring that goes round a pole
 * (Antarctica's) cannot be cut this way and is kept as it is.
 */
function splitAtAntimeridian(points: Ring): Ring[] {
  if (!points.some((p, i) => i > 0 && Math.abs(p[0] - points[i - 1]![0]) > 180)) return [points]
  const flat = unwrap(points)
  const [first, last] = [flat[0]!, flat[flat.length - 1]!]
  if (Math.abs(first[0] - last[0]) > 1e-9) return [points]
  const lons = flat.map((p) => p[0])
  const east = Math.max(...lons) > 180
  const edge = east ? 180 : -180
  const moved = flat.map(([lon, lat]) => [lon + (east ? -360 : 360), lat] as Position)
  return [clipAt(flat, edge, east), clipAt(moved, -edge, !east)].filter((r) => r.length >= 4)
}

/**
 * Polygons (lists of rings) of a Polygon or MultiPolygon geometry; other types carry no area. A polygon
 * whose outline crosses the antimeridian becomes one polygon per side (none of those has holes here).
 */
function polygons(geometry: TopoGeometry, arcs: Ring[]): Ring[][] {
  const list =
    geometry.type === 'Polygon'
      ? [(geometry.arcs as number[][]).map((r) => ring(r, arcs))]
      : geometry.type === 'MultiPolygon'
        ? (geometry.arcs as number[][][]).map((p) => p.map((r) => ring(r, arcs)))
        : []
  return list.flatMap((rings) => {
    const parts = splitAtAntimeridian(rings[0]!)
    return parts.length === 1 && parts[0] === rings[0] ? [rings] : parts.map((part) => [part])
  })
}

/**
 * The countries of `topology.objects[object]` as GeoJSON features named by alpha-2 code, shapes of one
 * code merged into one feature. Antarctica is left out unless `keepAntarctica`: it takes a fifth of a
 * flat map and has no visitors.
 */
export function countryFeatures(topology: Topology, object = 'countries', keepAntarctica = false): CountryCollection {
  const arcs = decodeArcs(topology)
  const byCode = new Map<string, Ring[][]>()
  for (const geometry of topology.objects[object]?.geometries ?? []) {
    const code = alpha2Of(geometry)
    if (!code || (code === 'AQ' && !keepAntarctica)) continue
    const list = byCode.get(code) ?? []
    list.push(...polygons(geometry, arcs))
    byCode.set(code, list)
  }
  return {
    type: 'FeatureCollection',
    features: [...byCode].map(([code, coordinates]) => ({
      type: 'Feature',
      id: code,
      properties: { name: code },
      geometry: { type: 'MultiPolygon', coordinates }
    }))
  }
}
