/**
 * The Excel ERP connector: each connection names an `.xlsx` workbook (under DATA_DIR/workbooks) that plays the
 * ERP, in the layout described in workbook.ts. It is this project's counterpart of SuperOffice's SDK sample
 * ExcelErpSyncConnector, and the model to copy for a connector to a real ERP: configuration checks, field
 * metadata, reads from a cache, and all-or-nothing writes under a lock.
 */
import { mkdirSync, promises as fs } from 'node:fs'
import path from 'node:path'
import type { CallContext, Connection, ErpActor, ErpConnector, FieldValues, Outcome, ResultOf } from '../../connector/connector.js'
import { ConnectorFailure, ErrorCode, invalidRequest } from '../../connector/errors.js'
import { field } from '../../connector/fields.js'
import { serialToWallClock, type CellPatch, type RawCell } from './cells.js'
import { checkWorkbookName, fileSystemFailure, fileSystemFailureFor, MAX_FOLDER_DEPTH, resolveWorkbookPath } from './paths.js'
import { compileRestriction, containsText, type StoredValue } from './search.js'
import { templateWorkbook } from './template.js'
import { WorkbookFileError, WorkbookFiles } from './workbook-files.js'
import {
  decodeValue,
  encodeCell,
  generatedValue,
  instantOf,
  interpretWorkbook,
  nextErpKey,
  nextLastModified,
  LAST_MODIFIED,
  PARENT_KEY,
  PARENT_TYPE,
  type ActorRow,
  type ActorSheet,
  type ErpWorkbook,
  type FieldSpec,
  sendable,
  unsendableIn,
} from './workbook.js'

export const EXCEL_CONNECTOR_NAME = 'Excel'
const DEFAULT_FILENAME = 'ErpClient.xlsx'
export const DEFAULT_MAX_WORKBOOKS = 1000

const WRITE_MODES = ['ReadWrite', 'ReadOnly'] as const
type WriteMode = (typeof WRITE_MODES)[number]

/** Configuration lists, served for the all-zero GUID while SuperOffice Admin sets a connection up (a Map: list names come from callers). */
const CONFIG_LISTS = new Map<string, Array<[string, string]>>([
  [
    'WriteMode',
    [
      ['ReadWrite', 'US:"Read and write";NO:"Lese og skrive"'],
      ['ReadOnly', 'US:"Read only";NO:"Kun lese"'],
    ],
  ],
])

const CONFIG_FIELDS = [
  field('Filename', {
    displayName: 'US:"File name";NO:"Filnavn"',
    description: 'US:"Workbook (.xlsx) in the workbooks folder of the server; created from a template if it does not exist";NO:"Arbeidsbok (.xlsx) i serverens workbooks-mappe; lages fra en mal om den ikke finnes"',
    access: 'Mandatory',
    defaultValue: DEFAULT_FILENAME,
    maxLength: 255,
    rank: 1,
  }),
  field('WriteMode', {
    displayName: 'US:"Changes from SuperOffice";NO:"Endringer fra SuperOffice"',
    description: 'US:"Read only refuses creating and saving actors";NO:"Kun lese avviser oppretting og lagring"',
    type: 'List',
    listName: 'WriteMode',
    defaultValue: 'ReadWrite',
    rank: 2,
  }),
]

export interface ExcelConnectorOptions {
  /** Workbooks live here; a connection's Filename is relative to it. */
  workbooksDir: string
  name?: string
  /** The most workbooks the connector creates in workbooksDir (files there count, whoever put them). */
  maxWorkbooks?: number
}

/**
 * @example
 * const excel = createExcelConnector({ workbooksDir: path.join(dataDir, 'workbooks') })
 */
export function createExcelConnector(options: ExcelConnectorOptions): ErpConnector & { close(): Promise<void> } {
  mkdirSync(options.workbooksDir, { recursive: true })
  const files = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  // What writers killed mid-write left behind goes before the first workbook call; it is never needed and may hide a
  // workbook.
  files.sweepBeforeFirstCall(options.workbooksDir)
  const maxWorkbooks = options.maxWorkbooks ?? DEFAULT_MAX_WORKBOOKS
  // Counting the workbooks and creating one run one at a time in this process, so that the count holds.
  let creating: Promise<unknown> = Promise.resolve()

  interface Opened {
    name: string
    file: string
    lockKey: string
  }

  async function locate(config: ReadonlyMap<string, string | null>): Promise<Opened> {
    const name = checkWorkbookName(config.get('Filename'))
    const file = await resolveWorkbookPath(options.workbooksDir, name)
    return { name, file, lockKey: `excel:${name.toLowerCase()}` }
  }

  async function open(connection: Connection): Promise<{ book: ErpWorkbook; opened: Opened }> {
    const opened = await locate(connection.config)
    try {
      return { book: await files.read(opened.file), opened }
    } catch (error) {
      throw explainFileError(error, opened.name)
    }
  }

  /** Creates the workbook from the template unless it exists, within the MAX_WORKBOOKS limit; true when created. */
  async function createWorkbook(ctx: CallContext, opened: Opened): Promise<boolean> {
    const exists = await fs.lstat(opened.file).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw error
      },
    )
    if (exists) return files.create(ctx, opened.lockKey, opened.file, templateWorkbook())
    const run = creating.then(async () => {
      if ((await countWorkbooks(options.workbooksDir, maxWorkbooks)) >= maxWorkbooks) {
        throw new ConnectorFailure(
          ErrorCode.FileLimitReached,
          `${opened.name} was not created: this server holds ${maxWorkbooks} workbooks, the most it creates (MAX_WORKBOOKS). Use an existing workbook, or ask the server's operator to remove unused ones or raise the limit.`,
        )
      }
      return files.create(ctx, opened.lockKey, opened.file, templateWorkbook())
    })
    creating = run.catch(() => undefined)
    return run
  }

  async function sheetOf(connection: Connection, actorType: string): Promise<{ book: ErpWorkbook; sheet: ActorSheet; opened: Opened }> {
    const { book, opened } = await open(connection)
    return { book, sheet: actorSheet(book, actorType), opened }
  }

  /** Changes the workbook (see WorkbookFiles.update), answering a failure as {@link explainFileError} does. */
  async function change<R>(ctx: CallContext, opened: Opened, plan: (book: ErpWorkbook) => { patches: CellPatch[]; answer: (written: ErpWorkbook) => R }): Promise<R> {
    try {
      return await files.update(ctx, opened.lockKey, opened.file, plan)
    } catch (error) {
      throw explainFileError(error, opened.name)
    }
  }

  function writable(connection: Connection): void {
    if (writeModeOf(connection.config) === 'ReadOnly') {
      throw invalidRequest('This connection is read only (WriteMode): actors cannot be created or saved. Change it in SuperOffice Admin.')
    }
  }

  return {
    name: options.name ?? EXCEL_CONNECTOR_NAME,
    close: () => files.close(),
    cacheStats: () => files.cacheStats(),

    async getConfigData() {
      return { FieldMetaDataObjects: CONFIG_FIELDS }
    },

    async testConfigData(_ctx, { ConnectionInfo: config }) {
      writeModeOf(config)
      const opened = await locate(config)
      try {
        const book = await files.read(opened.file)
        return book.problems.length > 0 ? { State: 'Warning', UserExplanation: problemsText(opened.name, book) } : {}
      } catch (error) {
        if (error instanceof WorkbookFileError && error.reason === 'NOT_FOUND') {
          return { State: 'OkWithInfo', UserExplanation: `${opened.name} does not exist yet; it will be created from the template when the connection is saved.` }
        }
        throw explainFileError(error, opened.name)
      }
    },

    async saveConnection(ctx, { connection }) {
      writeModeOf(connection.config)
      const opened = await locate(connection.config)
      let created: boolean
      try {
        created = await createWorkbook(ctx, opened)
        if (!created) await files.read(opened.file)
      } catch (error) {
        throw explainFileError(error, opened.name)
      }
      return created ? { State: 'OkWithInfo', UserExplanation: `Created ${opened.name} from the template.` } : {}
    },

    async testConnection(_ctx, { connection }) {
      const { book, opened } = await open(connection)
      if (book.actorSheets.size === 0) return { State: 'Error', UserExplanation: `${opened.name} has no actor sheets (Customer, Supplier, Person, Project).` }
      return book.problems.length > 0 ? { State: 'Warning', UserExplanation: problemsText(opened.name, book) } : {}
    },

    async deleteConnection(_ctx, { connection }) {
      // The workbook is the ERP's data: it stays when SuperOffice forgets the connection; what is cached of it goes.
      const opened = await locate(connection.config).catch(() => undefined)
      if (opened) await files.forget(opened.file)
      return {}
    },

    async getSupportedActorTypes(_ctx, { connection }) {
      const { book } = await open(connection)
      return { Items: [...book.actorSheets.keys()] }
    },

    async getSupportedActorTypeFields(_ctx, { connection, ActorType: actorType }) {
      const { sheet } = await sheetOf(connection, actorType)
      return {
        FieldMetaDataObjects: sheet.fields.map((f, index) => ({
          Access: f.access,
          DefaultValue: '',
          DisplayDescription: f.description,
          DisplayName: f.displayName,
          FieldKey: f.key,
          FieldType: f.type,
          ListName: f.listName,
          MaxLength: f.maxLength,
          Rank: index + 1,
        })),
      }
    },

    async getSearchableFields(_ctx, { connection, ActorType: actorType }) {
      const { sheet } = await sheetOf(connection, actorType)
      return { Items: sheet.fields.filter((f) => f.searchable).map((f) => f.key) }
    },

    async getActors(_ctx, { connection, ActorType: actorType, ErpKeys: erpKeys, FieldKeys: fieldKeys }) {
      const { sheet } = await sheetOf(connection, actorType)
      const rows = erpKeys.flatMap((key) => sheet.byKey.get(key) ?? [])
      return project(sheet, actorType, rows, fieldKeys)
    },

    async searchActors(_ctx, { connection, ActorType: actorType, SearchText: searchText, FieldKeys: fieldKeys }) {
      const { sheet } = await sheetOf(connection, actorType)
      const searchable = sheet.fields.filter((f) => f.searchable)
      const rows = sheet.rows.filter((row) => searchable.some((f) => containsText(stored(row.cells[f.column]), searchText.trim())))
      return project(sheet, actorType, rows, fieldKeys)
    },

    async searchActorByParent(_ctx, { connection, ActorType: actorType, SearchText: searchText, ParentActorType: parentType, ParentActorErpKey: parentKey, FieldKeys: fieldKeys }) {
      const { sheet } = await sheetOf(connection, actorType)
      const searchable = sheet.fields.filter((f) => f.searchable)
      const rows = sheet.rows.filter(
        (row) =>
          row.parentType === parentType &&
          row.parentKey === parentKey &&
          searchable.some((f) => containsText(stored(row.cells[f.column]), searchText.trim())),
      )
      return project(sheet, actorType, rows, fieldKeys)
    },

    async searchActorsAdvanced(_ctx, { connection, ActorType: actorType, Restrictions: restrictions, FieldKeys: fieldKeys }) {
      const { sheet } = await sheetOf(connection, actorType)
      const tests = restrictions.map((r) => {
        if (r.FieldKey === PARENT_KEY || r.FieldKey === PARENT_TYPE) {
          const match = compileRestriction({ key: r.FieldKey, type: 'Text' }, r.Operator, r.Values)
          return (row: ActorRow) => match(r.FieldKey === PARENT_KEY ? row.parentKey : row.parentType)
        }
        const field = sheet.fieldByKey.get(r.FieldKey)
        if (!field) throw unknownField(sheet, [r.FieldKey])
        if (!field.searchable) throw invalidRequest(`The field ${r.FieldKey} of ${sheet.name} is not searchable.`)
        const match = compileRestriction({ key: field.key, type: field.type }, r.Operator, r.Values)
        return (row: ActorRow) => match(stored(row.cells[field.column]))
      })
      return project(sheet, actorType, sheet.rows.filter((row) => tests.every((test) => test(row))), fieldKeys)
    },

    async createActor(ctx, { connection, Actor: actor }) {
      writable(connection)
      const { opened } = await sheetOf(connection, actor.ActorType)
      return change(ctx, opened, (book) => {
        const sheet = actorSheet(book, actor.ActorType)
        const row = sheet.nextRow
        const erpKey = nextErpKey(sheet)
        const patches = cellsFor(book, sheet, actor, row, 'create')
        patches.push({ sheet: sheet.name, row, col: sheet.erpKeyColumn, value: erpKey })
        patches.push({ sheet: sheet.name, row, col: sheet.lastModifiedColumn, value: nextLastModified(book) })
        for (const field of sheet.fields) {
          if (field.generated && field.access === 'ReadOnly') patches.push({ sheet: sheet.name, row, col: field.column, value: generatedValue(sheet, field) })
        }
        if (sheet.parentTypeColumn !== undefined && sheet.parentKeyColumn !== undefined && actor.ParentErpKey !== '') {
          checkParent(book, actor)
          patches.push({ sheet: sheet.name, row, col: sheet.parentTypeColumn, value: actor.ParentActorType })
          patches.push({ sheet: sheet.name, row, col: sheet.parentKeyColumn, value: actor.ParentErpKey })
        }
        return {
          patches,
          answer: (written) => {
            const stored = actorSheet(written, actor.ActorType)
            const replaced = new UnsendableCells()
            const created = toActor(stored, actor.ActorType, stored.byKey.get(erpKey)!, stored.fields.map((f) => f.key), replaced)
            return { ...replaced.warning(), Actor: created }
          },
        }
      })
    },

    async saveActors(ctx, { connection, Actors: actors }) {
      writable(connection)
      if (actors.length === 0) return { Actors: [] }
      const { opened } = await open(connection)
      return change(ctx, opened, (book) => {
        // Every actor is checked before any cell is set: one bad actor fails the request and changes nothing.
        const stamp = nextLastModified(book)
        const patches: CellPatch[] = []
        const seen = new Set<string>()
        for (const actor of actors) {
          const sheet = actorSheet(book, actor.ActorType)
          const row = sheet.byKey.get(actor.ErpKey)
          if (!row) throw invalidRequest(`${actor.ActorType} ${actor.ErpKey === '' ? '(no ErpKey)' : actor.ErpKey} does not exist, so nothing was saved.`)
          if (seen.has(`${sheet.name}\u0000${row.erpKey}`)) throw invalidRequest(`${actor.ActorType} ${actor.ErpKey} is in the request twice, so nothing was saved.`)
          seen.add(`${sheet.name}\u0000${row.erpKey}`)
          patches.push(...cellsFor(book, sheet, actor, row.row, 'save'))
          patches.push({ sheet: sheet.name, row: row.row, col: sheet.lastModifiedColumn, value: stamp })
        }
        return {
          patches,
          answer: (written) => {
            const replaced = new UnsendableCells()
            const saved = actors.map((actor) => {
              const sheet = actorSheet(written, actor.ActorType)
              return toActor(sheet, actor.ActorType, sheet.byKey.get(actor.ErpKey)!, [...actor.FieldValues.keys()], replaced)
            })
            return { ...replaced.warning(), Actors: saved }
          },
        }
      })
    },

    async getList(_ctx, { connection, ListName: listName }) {
      return { ListItems: new Map(await listOf(connection, listName)) }
    },

    async getListItems(_ctx, { connection, ListName: listName, ListItemKeys: keys }) {
      const items = await listOf(connection, listName)
      const unknown = keys.filter((k) => !items.has(k))
      const found = new Map(keys.filter((k) => items.has(k)).map((k): [string, string] => [k, items.get(k)!]))
      if (unknown.length === 0) return { ListItems: found }
      return {
        State: 'Warning',
        ErrorCode: ErrorCode.UnknownListItemId,
        UserExplanation: `The list ${listName} has no item ${unknown.map((k) => `"${k}"`).join(', ')}.`,
        ListItems: found,
      }
    },

    async getActorsByTimestamp(_ctx, { connection, UpdatedOnOrAfter: updatedOnOrAfter, ActorType: actorType, FieldKeys: fieldKeys }) {
      const { sheet } = await sheetOf(connection, actorType)
      const since = updatedOnOrAfter.trim() === '' ? -Infinity : instantOf(updatedOnOrAfter.trim())
      if (since === undefined) {
        throw invalidRequest(`UpdatedOnOrAfter "${updatedOnOrAfter}" is not a date-time: send a LastModified this connector returned, an ISO date-time, or [DT:MM/dd/yyyy HH:mm:ss.fffffff].`)
      }
      const rows = sheet.rows.filter((row) => (instantOf(row.lastModified) ?? -Infinity) >= since)
      return project(sheet, actorType, rows, fieldKeys)
    },
  }

  async function listOf(connection: Connection | null, listName: string): Promise<Map<string, string>> {
    if (connection === null) {
      const items = CONFIG_LISTS.get(listName)
      if (!items) throw invalidRequest(`There is no configuration list named "${listName}". Lists: ${[...CONFIG_LISTS.keys()].join(', ')}.`)
      return new Map(items)
    }
    const { book, opened } = await open(connection)
    const items = book.lists.get(listName)
    if (!items) {
      throw invalidRequest(`${opened.name} has no list sheet named "${listName}" (a sheet with Key and Text columns). Lists: ${[...book.lists.keys()].join(', ') || 'none'}.`)
    }
    return items
  }
}

function actorSheet(book: ErpWorkbook, actorType: string): ActorSheet {
  const sheet = book.actorSheets.get(actorType)
  if (!sheet) throw invalidRequest(`The workbook has no ${actorType} sheet. It has ${[...book.actorSheets.keys()].join(', ') || 'no actor sheets'}.`)
  return sheet
}

function stored(cell: RawCell | undefined): StoredValue {
  if (cell === undefined || cell === null) return null
  return typeof cell === 'object' ? serialToWallClock(cell.serial) : cell
}

function unknownField(sheet: ActorSheet, keys: string[]): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.UnknownFieldKey,
    `${sheet.name} has no field ${keys.map((k) => `"${k}"`).join(', ')}. Its fields are ${sheet.fields.map((f) => f.key).join(', ')}.`,
  )
}

/**
 * Actors with only the requested fields. Unknown field keys give a Warning naming them, with the rest returned;
 * cells an answer cannot carry are replaced and named in a Warning too, and an actor whose ErpKey is such a cell
 * is left out: one bad cell never fails the other actors.
 */
function project(sheet: ActorSheet, actorType: string, rows: ActorRow[], fieldKeys: string[]): ResultOf<'WSGetActors'> {
  const unknown = fieldKeys.filter((k) => !sheet.fieldByKey.has(k))
  const known = fieldKeys.filter((k) => sheet.fieldByKey.has(k))
  const replaced = new UnsendableCells()
  const actors: ErpActor[] = []
  for (const row of rows) {
    if (replaced.badKey(sheet, row)) continue
    actors.push(toActor(sheet, actorType, row, known, replaced))
  }
  const warning = replaced.warning()
  if (unknown.length === 0) return { ...warning, Actors: actors }
  const failure = unknownField(sheet, unknown)
  const explanation = warning.UserExplanation ? `${failure.userExplanation} ${warning.UserExplanation}` : failure.userExplanation
  return { State: 'Warning', ErrorCode: failure.code, UserExplanation: explanation, Actors: actors }
}

/**
 * Cells whose text holds characters an answer cannot carry (XML 1.0 has no way to write U+0001, for one): they are
 * sent with those characters replaced by U+FFFD, and the answer is a Warning naming each (sheet, ErpKey, field).
 */
class UnsendableCells {
  private readonly found: string[] = []

  /** The text to send for a cell, noting it when it had to change. */
  text(sheet: ActorSheet, row: ActorRow, field: string, text: string): string {
    const bad = unsendableIn(text)
    if (bad === undefined) return text
    this.found.push(`${sheet.name} ErpKey ${row.erpKey}, field ${field} (${bad})`)
    return sendable(text)
  }

  /** True (and noted) when the row's ErpKey itself cannot be sent: the actor is left out of the answer. */
  badKey(sheet: ActorSheet, row: ActorRow): boolean {
    const bad = unsendableIn(row.erpKey)
    if (bad === undefined) return false
    this.found.push(`${sheet.name} row ${row.row + 1}, whose ErpKey has ${bad}, was left out`)
    return true
  }

  warning(): Outcome {
    if (this.found.length === 0) return {}
    const listed = this.found.slice(0, 10).join('; ') + (this.found.length > 10 ? `; and ${this.found.length - 10} more` : '')
    return {
      State: 'Warning',
      ErrorCode: ErrorCode.UnsendableValue,
      UserExplanation: `${this.found.length} workbook cell${this.found.length > 1 ? 's hold' : ' holds'} characters that cannot be sent to SuperOffice (control characters), replaced by U+FFFD: ${listed}. Correct ${this.found.length > 1 ? 'them' : 'it'} in the workbook.`,
    }
  }
}

function toActor(sheet: ActorSheet, actorType: string, row: ActorRow, fieldKeys: string[], replaced: UnsendableCells): ErpActor {
  const values: FieldValues = new Map()
  for (const key of fieldKeys) {
    const field = sheet.fieldByKey.get(key)
    if (field) values.set(key, replaced.text(sheet, row, key, encodeCell(field, row.cells[field.column])))
  }
  return {
    ActorType: actorType,
    ErpKey: row.erpKey,
    FieldValues: values,
    LastModified: replaced.text(sheet, row, LAST_MODIFIED, row.lastModified),
    ParentActorType: replaced.text(sheet, row, PARENT_TYPE, row.parentType),
    ParentErpKey: replaced.text(sheet, row, PARENT_KEY, row.parentKey),
  }
}

/** The cells an actor's field values set; checks every value, naming the actor and field of the first bad one. */
function cellsFor(book: ErpWorkbook, sheet: ActorSheet, actor: ErpActor, row: number, mode: 'create' | 'save'): CellPatch[] {
  const who = mode === 'create' ? `The new ${actor.ActorType}` : `${actor.ActorType} ${actor.ErpKey}`
  const patches: CellPatch[] = []
  const unknown = [...actor.FieldValues.keys()].filter((k) => !sheet.fieldByKey.has(k))
  if (unknown.length > 0) {
    const failure = unknownField(sheet, unknown)
    throw new ConnectorFailure(failure.code, `${who} was not ${mode === 'create' ? 'created' : 'saved'}: ${failure.userExplanation}`)
  }
  for (const [key, value] of actor.FieldValues) {
    const field = sheet.fieldByKey.get(key)!
    // Read-only fields belong to the ERP; SuperOffice may send them back, and they are left as they are.
    if (field.access === 'ReadOnly') continue
    let cell: RawCell
    try {
      cell = decodeValue(field, value, book.lists)
    } catch (error) {
      throw invalidRequest(`${who} was not ${mode === 'create' ? 'created' : 'saved'}: the ${field.type} field ${key} cannot take "${value}": ${reason(error)}.`)
    }
    patches.push({ sheet: sheet.name, row, col: field.column, value: cell })
  }
  if (mode === 'create') {
    const missing = sheet.fields.filter((f) => f.access === 'Mandatory' && !patches.some((p) => p.col === f.column && p.value !== null))
    if (missing.length > 0) {
      throw invalidRequest(`The new ${actor.ActorType} was not created: ${missing.map((f) => f.key).join(', ')} ${missing.length > 1 ? 'are' : 'is'} mandatory.`)
    }
  }
  return patches
}

function checkParent(book: ErpWorkbook, actor: ErpActor): void {
  const parent = book.actorSheets.get(actor.ParentActorType)
  if (!parent?.byKey.has(actor.ParentErpKey)) {
    throw invalidRequest(`The new ${actor.ActorType} was not created: its parent ${actor.ParentActorType} ${actor.ParentErpKey} does not exist.`)
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\.$/, '')
}

function problemsText(name: string, book: ErpWorkbook): string {
  return `${name} works, with ${book.problems.length} problem${book.problems.length > 1 ? 's' : ''}: ${book.problems.slice(0, 5).join(' ')}`
}

/**
 * What to answer for a failure on the workbook `name` (as the caller wrote it). The worker's messages name the
 * file by its last path segment, and a file-system error's message holds the server path: neither is passed on.
 */
function explainFileError(error: unknown, name: string): unknown {
  if (!(error instanceof WorkbookFileError)) return fileSystemFailure(error, name)
  const detail = (message: string) => message.replace(/^.*?\.xlsx(?= )/i, name)
  switch (error.reason) {
    case 'NOT_FOUND':
      return invalidRequest(`${name} does not exist in the workbooks folder. Save the connection again to create it from the template.`)
    case 'NOT_A_WORKBOOK':
      return invalidRequest(`${name} exists but is not an Excel workbook that can be read: ${detail(error.message)}.`)
    case 'TOO_LARGE':
      return invalidRequest(`${name} is too large to use: ${detail(error.message)}.`)
    case 'BUSY':
    case 'CHANGED':
      return new ConnectorFailure(ErrorCode.WorkbookBusy, `${name} is being saved by someone else right now; try again in a moment.`)
    case 'TIMEOUT':
    case 'CRASHED':
      return new ConnectorFailure(ErrorCode.WorkbookBusy, `${name}: ${error.message}. Try again; if it persists, tell the server's operator.`)
    case 'NO_SPACE':
    case 'READ_ONLY':
    case 'PERMISSION':
    case 'IO':
      if (error.errno !== undefined) return fileSystemFailureFor(error.errno, name)
      return new ConnectorFailure(ErrorCode.FileStorage, `The server could not read or write ${name}. Try again; if it persists, tell the server's operator.`)
    default:
      return error
  }
}

function writeModeOf(config: ReadonlyMap<string, string | null>): WriteMode {
  const raw = (config.get('WriteMode') ?? '').trim()
  if (raw === '') return 'ReadWrite'
  const mode = WRITE_MODES.find((m) => m.toLowerCase() === raw.toLowerCase())
  if (!mode) throw invalidRequest(`WriteMode "${sendable(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw)}" is not one of ${WRITE_MODES.join(', ')}. Choose one of them in SuperOffice Admin.`)
  return mode
}

/** The .xlsx files in `root` and its folders (as deep as a Filename may go), counting no further than `limit`. */
async function countWorkbooks(root: string, limit: number): Promise<number> {
  let count = 0
  let level = [root]
  for (let depth = 0; depth <= MAX_FOLDER_DEPTH && level.length > 0 && count < limit; depth++) {
    const next: string[] = []
    for (const folder of level) {
      const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => [])
      for (const entry of entries) {
        if (entry.isDirectory()) next.push(path.join(folder, entry.name))
        else if (entry.isFile() && !entry.name.startsWith('.') && /\.xlsx$/i.test(entry.name)) count++
      }
      if (count >= limit) break
    }
    level = next
  }
  return count
}

/** Where the Excel connector keeps workbooks, given the server's data folder. */
export function workbooksDirOf(dataDir: string): string {
  return path.join(dataDir, 'workbooks')
}
