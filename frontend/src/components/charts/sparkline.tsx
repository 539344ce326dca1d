"use client";

import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis } from "recharts";
import { formatDate } from "@/lib/format";

export type DayCount = { day: string; count: number };

/** A small series of counts (a cluster's issues per week). */
export function Sparkline({ points, height = 72, label }: { points: DayCount[]; height?: number; label: string }) {
  return (
    <div style={{ height }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={points} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
          <XAxis dataKey="day" hide />
          <Tooltip cursor={{ fill: "#eef2ff" }} labelFormatter={(day) => `Week of ${formatDate(String(day))}`} formatter={(value) => [value, "issues"]} />
          <Bar dataKey="count" fill="#6366f1" radius={[2, 2, 0, 0]} maxBarSize={28} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
