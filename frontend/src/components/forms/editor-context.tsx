"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { Taxonomy } from "@/lib/api/types";
import type { ClusterOption } from "./merge-form";

type EditorOptions = { taxonomy: Taxonomy | null; clusters: ClusterOption[] };

const EditorContext = createContext<EditorOptions>({ taxonomy: null, clusters: [] });

/** The choices every issue editor on a page offers, sent to the browser once per page rather
 * than once per row. */
export function EditorOptionsProvider({ value, children }: { value: EditorOptions; children: ReactNode }) {
  return <EditorContext.Provider value={value}>{children}</EditorContext.Provider>;
}

export function useEditorOptions(): EditorOptions {
  return useContext(EditorContext);
}
