-- Lua calling a C component and a JavaScript component with WIT records and variants.
local function main()
  local circle, err = funcs.call("comp:shape_scale_c", { circle = 1.5 }, 2)
  if err then return nil, err end
  local item, err2 = funcs.call("comp:item_bump_js", { name = "lamp", ["tag-count"] = 1, tags = { "home" } })
  if err2 then return nil, err2 end
  return { from_c = circle, from_js = item }
end
return { main = main }
