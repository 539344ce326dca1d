"use client";

import { useEffect } from "react";

/**
 * Marks the document once React has hydrated it (`<html data-hydrated>`). Forms send nothing
 * before then; the browser tests wait for the mark before they
 * click, as a person cannot click faster than a page becomes interactive on a loaded machine.
 */
export function HydrationMarker() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
