"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { WeekCount } from "@/lib/api/types";
import { formatDate } from "@/lib/format";

/** Issues per week (by the week the customers reported them). */
export function WeeklyTrendChart({ weeks, height = 220 }: { weeks: WeekCount[]; height?: number }) {
  const data = weeks.map((w) => ({ week: formatDate(w.week_start).replace(/ \d{4}$/, ""), full: formatDate(w.week_start), count: w.count }));
  return (
    <figure>
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="week" tick={{ fontSize: 11, fill: "#475569" }} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} tickLine={false} axisLine={false} />
            <Tooltip
              cursor={{ fill: "#eef2ff" }}
              labelFormatter={(_, payload) => `Week of ${payload?.[0]?.payload?.full ?? ""}`}
              formatter={(value) => [value, "issues"]}
            />
            <Bar dataKey="count" fill="#4f46e5" radius={[3, 3, 0, 0]} maxBarSize={64} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {/* The same numbers for screen readers and for anyone who wants them exactly. */}
      <figcaption className="sr-only">
        <table>
          <caption>Issues per week</caption>
          <tbody>
            {data.map((d) => (
              <tr key={d.full}>
                <th scope="row">{d.full}</th>
                <td>{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
